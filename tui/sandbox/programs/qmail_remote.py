"""qmail-remote(8): qmail-remote host sender recip... < message (smtproutes; no DNS)."""

from __future__ import annotations

import os
import sys

from ..qmail import remote


def main(argv: list[str]) -> int:
    if len(argv) < 4:
        sys.stdout.write("DI (qmail-remote) was invoked improperly. (#5.3.5)\n\0")
        return 0
    message = sys.stdin.buffer.read()
    os.chdir(remote.control.QMAILDIR)
    for piece in remote.deliver(argv[1], argv[2], argv[3:], message):
        sys.stdout.write(piece + "\0")
    return 0
