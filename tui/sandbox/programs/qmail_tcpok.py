"""qmail-tcpok(8): clear the remote-host timeout table."""

from __future__ import annotations

import os
import sys

from ..qmail import queue


def main(argv: list[str]) -> int:
    path = queue.q("lock", "tcpto")
    try:
        fd = os.open(path, os.O_WRONLY)
        os.write(fd, b"\0" * 1024)
        os.close(fd)
    except OSError:
        print("qmail-tcpok: fatal: unable to open lock/tcpto", file=sys.stderr)
        return 111
    return 0
