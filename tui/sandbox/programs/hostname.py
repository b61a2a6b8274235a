"""hostname(1): prints (or, as root, sets) the host's name; -s for the short form."""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> int:
    args = argv[1:]
    short = "-s" in args
    rest = [a for a in args if a != "-s"]
    if rest:
        import socket  # only to set it: its import costs a start ~8 ms

        try:
            socket.sethostname(rest[0])
        except OSError as exc:
            print(f"hostname: sethostname: {exc.strerror}", file=sys.stderr)
            return 1
        return 0
    name = os.uname().nodename  # gethostname(3): the UTS name, as socket's
    print(name.split(".")[0] if short else name)
    return 0
