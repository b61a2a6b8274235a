"""checknotroot(8) from qmail-acceptutils: checknotroot prog -- refuse to run prog as root."""

from __future__ import annotations

import os

from ..proc import execvp


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        os.write(2, b"checknotroot: usage: checknotroot prog\n")
        return 1
    if os.getuid() == 0:
        os.write(2, b"checknotroot: WAS RUNNING AS ROOT, TERMINATING\n")
        return 1
    try:
        execvp(argv[1:])
    except OSError:
        pass
    return 1
