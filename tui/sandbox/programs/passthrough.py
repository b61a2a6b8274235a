"""SMTP chain wrappers that the sandbox passes through: greetdelay, rblsmtpd.  Each
runs the rest of its command line as the real program does after its own work (no
greeting delay, no DNS blocklist lookups)."""

from __future__ import annotations

import os
import sys

from . import _exec


def _skip_options(args: list[str], with_value: str) -> list[str]:
    """Drop leading getopt options; letters in ``with_value`` take an argument."""
    while args and args[0].startswith("-") and len(args[0]) > 1:
        opt = args.pop(0)
        if opt == "--":
            break
        for i, letter in enumerate(opt[1:], 1):
            if letter in with_value:
                if i == len(opt) - 1 and args:
                    args.pop(0)
                break
    return args


def main(argv: list[str]) -> int:
    name = os.path.basename(argv[0])
    args = list(argv[1:])
    rest = _skip_options(args, "tra") if name == "rblsmtpd" else args
    if not rest:
        print(f"{name}: usage: {name} program [ arg ... ]", file=sys.stderr)
        return 100
    return _exec.run(f"{name}: fatal: ", rest[0], rest)
