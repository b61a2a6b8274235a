"""qmail's setup/hostname: print the host's name as gethostname(2) returns it."""

from __future__ import annotations

import socket


def main(argv: list[str]) -> int:
    print(socket.gethostname())
    return 0
