"""softlimit(8) (daemontools): run a program with lower soft resource limits.

Limits Linux accounts like NetBSD are applied; the memory limits (-m -a -d -s -l -r)
are accepted and ignored, because Linux charges the interpreter of the simulated
programs (and glibc's malloc arenas) far more address space than NetBSD would.
"""

from __future__ import annotations

import resource
import sys

from . import _exec

FATAL = "softlimit: fatal: "
USAGE = (
    "softlimit: usage: softlimit [-a allbytes] [-c corebytes] [-d databytes] "
    "[-f filebytes] [-l lockbytes] [-m membytes] [-o openfiles] [-p processes] "
    "[-r residentbytes] [-s stackbytes] [-t cpusecs] child"
)
APPLIED = {
    "c": resource.RLIMIT_CORE,
    "f": resource.RLIMIT_FSIZE,
    "o": resource.RLIMIT_NOFILE,
    "p": resource.RLIMIT_NPROC,
    "t": resource.RLIMIT_CPU,
}
IGNORED = set("adlmrs")


def _limit(which: int, value: str) -> None:
    soft, hard = resource.getrlimit(which)
    if value == "=":
        soft = hard
    else:
        wanted = int(value)
        soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    resource.setrlimit(which, (soft, hard))


def main(argv: list[str]) -> int:
    args = argv[1:]
    while args and args[0].startswith("-") and len(args[0]) > 1:
        opt = args.pop(0)
        if opt == "--":
            break
        letter, value = opt[1], opt[2:] or (args.pop(0) if args else "")
        if (letter not in APPLIED and letter not in IGNORED) or not value:
            print(USAGE, file=sys.stderr)
            return 100
        if value != "=" and not value.isdigit():
            print(USAGE, file=sys.stderr)
            return 100
        if letter in APPLIED:
            try:
                _limit(APPLIED[letter], value)
            except (OSError, ValueError):
                pass
    if not args:
        print(USAGE, file=sys.stderr)
        return 100
    return _exec.run(FATAL, args[0], args)
