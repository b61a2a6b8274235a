"""tcprules(1): tcprules rules.cdb rules.tmp -- compile rules from stdin into a cdb."""

from __future__ import annotations

import os
import sys

from .. import cdb
from ..qmail.errstr import error_str
from ..qmail.rules import RuleError, compile_rules

FATAL = "tcprules: fatal: "


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print("tcprules: usage: tcprules rules.cdb rules.tmp", file=sys.stderr)
        return 100
    target, tmp = argv[1], argv[2]
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.close(fd)
    except OSError as exc:
        print(f"{FATAL}unable to create {tmp}: {error_str(exc)}", file=sys.stderr)
        return 111
    try:
        records = compile_rules(
            sys.stdin.buffer.read().decode(errors="replace").splitlines(keepends=True)
        )
    except RuleError as exc:
        print(f"{FATAL}unable to parse this line: {exc}", file=sys.stderr)
        return 100
    failed = cdb.write(target, tmp, records)
    if failed and failed[0] == "move":
        print(f"{FATAL}unable to move {tmp} to {target}: {error_str(failed[1])}", file=sys.stderr)
        return 111
    if failed:
        print(f"{FATAL}unable to write to {tmp}: {error_str(failed[1])}", file=sys.stderr)
        return 111
    return 0
