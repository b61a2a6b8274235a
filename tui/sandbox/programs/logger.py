"""logger(1): make entries in the system log (the simulated syslogd's files)."""

from __future__ import annotations

import getpass
import io
import os
import sys

from .. import syslog
from ..proc import ensure_name

USAGE = "usage: logger [-cins] [-f file] [-p pri] [-t tag] [message ...]"


def main(argv: list[str]) -> int:
    args = argv[1:]
    priority, tag, with_pid, infile = "user.notice", None, False, None
    while args and args[0].startswith("-") and args[0] != "-":
        opt = args.pop(0)
        if opt == "--":
            break
        for i, letter in enumerate(opt[1:]):
            if letter in "ptf":
                value = opt[i + 2 :] or (args.pop(0) if args else None)
                if value is None:
                    print(f"logger: option requires an argument -- {letter}", file=sys.stderr)
                    print(USAGE, file=sys.stderr)
                    return 1
                if letter == "p":
                    priority = value
                elif letter == "t":
                    tag = value
                else:
                    infile = value
                break
            if letter == "i":
                with_pid = True
            elif letter in "cns":
                continue
            else:
                print(f"logger: unknown option -- {letter}", file=sys.stderr)
                print(USAGE, file=sys.stderr)
                return 1
    try:
        facility, level = syslog.parse_priority(priority)
    except ValueError as exc:
        print(f"logger: {exc}", file=sys.stderr)
        return 1
    tag = tag or getpass.getuser()
    pid = os.getpid() if with_pid else None
    if args:
        syslog.log(facility, level, tag, " ".join(args), pid)
        return 0
    # bytes pass through as they are: syslogd makes them visible
    source = (
        open(infile, errors="surrogateescape")  # noqa: SIM115 (closed after the loop)
        if infile
        else io.TextIOWrapper(sys.stdin.buffer, errors="surrogateescape")
    )
    if not infile:
        ensure_name()
        # a logger at the end of a daemon's pipeline must not hold the caller's output open
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.close(null)
    for line in source:
        if line.strip():
            syslog.log(facility, level, tag, line, pid)
    return 0
