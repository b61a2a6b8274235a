"""setuidgid(8) (daemontools): run a program as an account from /etc/passwd."""

from __future__ import annotations

import os
import sys

from . import _exec

FATAL = "setuidgid: fatal: "


def lookup(account: str) -> tuple[int, int] | None:
    """(uid, gid) of ``account`` in /etc/passwd."""
    try:
        with open("/etc/passwd") as fh:
            for line in fh:
                fields = line.rstrip("\n").split(":")
                if len(fields) >= 4 and fields[0] == account:
                    return int(fields[2]), int(fields[3])
    except (OSError, ValueError):
        pass
    return None


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print("setuidgid: usage: setuidgid account child", file=sys.stderr)
        return 100
    ids = lookup(argv[1])
    if ids is None:
        print(f"{FATAL}unknown account {argv[1]}", file=sys.stderr)
        return 111
    uid, gid = ids
    try:
        os.setgroups([gid])
        os.setgid(gid)
        os.setuid(uid)
    except OSError as exc:
        print(
            f"{FATAL}unable to setuid: {(exc.strerror or 'unknown error').lower()}", file=sys.stderr
        )
        return 111
    return _exec.run(FATAL, argv[2], argv[2:])
