"""argv0(1) (ucspi-tcp): run a program with a chosen argv[0].  ``ps`` shows that
name; the kernel's name for the process (psutil ``name()``) stays the program's."""

from __future__ import annotations

import sys

from . import _exec


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print("argv0: usage: argv0 realname program [ arg ... ]", file=sys.stderr)
        return 100
    return _exec.run("argv0: fatal: ", argv[1], argv[2:])
