"""qmail-newu(8): compile users/assign into users/cdb."""

from __future__ import annotations

import os
import sys

from .. import cdb
from ..qmail.control import QMAILDIR


def die(text: str) -> int:
    print(f"qmail-newu: fatal: {text}", file=sys.stderr)
    return 111


def main(argv: list[str]) -> int:
    os.umask(0o033)
    try:
        os.chdir(QMAILDIR)
    except OSError:
        return die("unable to chdir")
    try:
        with open("users/assign", "rb") as fh:
            lines = fh.read().split(b"\n")
    except OSError:
        return die("unable to open users/assign")
    records, wild = [], b""
    for index, line in enumerate(lines):
        if line.startswith(b"."):
            break
        if index == len(lines) - 1 or b"\0" in line:
            return die("bad format in users/assign")
        i = line.find(b":")
        if i <= 0:
            return die("bad format in users/assign")
        if line.startswith(b"+"):
            key = (b"!" + line[1:i]).lower()
            if i >= 2 and line[i - 1 : i] not in [bytes([c]) for c in wild]:
                wild += line[i - 1 : i]
        else:
            key = (b"!" + line[1:i] + b"\0").lower()
        fields = line[i + 1 :].split(b":")
        if len(fields) < 7:
            return die("bad format in users/assign")
        records.append((key, b"\0".join(fields[:6])))
    records.append((b"", wild))
    failed = cdb.write("users/cdb", "users/cdb.tmp", records)
    if failed:
        return die(
            {
                "open": "unable to open users/cdb.tmp",
                "write": "unable to write users/cdb.tmp",
                "move": "unable to move users/cdb.tmp to users/cdb",
            }[failed[0]]
        )
    return 0
