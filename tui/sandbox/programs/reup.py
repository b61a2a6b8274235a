"""reup(8) from qmail-acceptutils 20181228: reup [ -t tries ] prog -- run prog again
(REUP=2, 3, ... in its environment) until it exits 0 or 12, or tries run out
(-t 0: no limit).  Exits with prog's last status."""

from __future__ import annotations

import os
import sys

from ..proc import execvp


def log(text: str) -> None:
    os.write(2, f"reup: {text}\n".encode(errors="replace"))


def main(argv: list[str]) -> int:
    args = argv[1:]
    tries = 0
    while args and args[0].startswith("-") and args[0] != "-":
        opt = args.pop(0)
        if opt == "--":
            break
        value = opt[2:] if opt.startswith("-t") else None
        if value == "":
            value = args.pop(0) if args else None
        if value is None or not value.isdigit():
            log("usage: reup [ -t tries ] prog")
            return 1
        tries = int(value)
    if not args:
        log("usage: reup [ -t tries ] prog")
        return 1
    attempt = 1
    status = 1
    while tries == 0 or attempt <= tries:
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            os.environ["REUP"] = str(attempt)
            log(f"try {attempt}: {args[0]}")
            try:
                execvp(args)
            except OSError:
                pass
            os._exit(1)
        _, wstat = os.waitpid(pid, 0)
        if os.WIFSIGNALED(wstat):
            return 1
        status = os.waitstatus_to_exitcode(wstat)
        if status == 0:
            log("success")
            return 0
        if status == 12:
            log("permanent failure")
            return 12
        attempt += 1
    log("no more tries")
    return status
