"""qmail-tcpto(8): print the remote-host timeout table (empty here: qmail-remote never connects)."""

from __future__ import annotations

import sys

from ..qmail import queue


def main(argv: list[str]) -> int:
    try:
        with open(queue.q("lock", "tcpto"), "rb") as fh:
            fh.read()
    except OSError:
        print("qmail-tcpto: fatal: unable to read lock/tcpto", file=sys.stderr)
        return 111
    return 0
