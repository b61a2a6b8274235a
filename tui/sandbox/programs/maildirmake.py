"""maildirmake(8): maildirmake dir -- create a maildir (dir, dir/tmp, dir/new, dir/cur)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from ..qmail.errstr import error_str

FATAL = "maildirmake: fatal: "


def _mkdir(path: str) -> None:
    os.mkdir(path, 0o700)


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("maildirmake: usage: maildirmake name", file=sys.stderr)
        return 100
    name = argv[1]
    os.umask(0o077)
    steps: list[tuple[Callable[[str], None], str, str]] = [
        (_mkdir, name, f"unable to mkdir {name}: "),
        (os.chdir, name, f"unable to chdir to {name}: "),
    ]
    steps += [(_mkdir, sub, f"unable to mkdir {name}/{sub}: ") for sub in ("tmp", "new", "cur")]
    for action, path, text in steps:
        try:
            action(path)
        except OSError as exc:
            print(FATAL + text + error_str(exc), file=sys.stderr)
            return 111
    return 0
