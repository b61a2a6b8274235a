"""qmail-remote(8): qmail-remote host sender recip... (the sandbox has no DNS: soft failure)."""

from __future__ import annotations

import sys

from ..qmail import remote


def main(argv: list[str]) -> int:
    if len(argv) < 4:
        return 100
    report = remote.attempt(argv[1], argv[2], argv[3:])
    sys.stdout.write(report + "\0")
    return 0
