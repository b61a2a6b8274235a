"""pgrphack(8) (daemontools): run a program in a new process group (its own session)."""

from __future__ import annotations

import os
import sys

from . import _exec


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("pgrphack: usage: pgrphack child", file=sys.stderr)
        return 100
    try:
        os.setsid()
    except OSError:
        pass  # already a process group leader
    return _exec.run("pgrphack: fatal: ", argv[1], argv[1:])
