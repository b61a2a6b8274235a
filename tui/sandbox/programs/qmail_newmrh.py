"""qmail-newmrh(8): compile control/morercpthosts into control/morercpthosts.cdb."""

from __future__ import annotations

import os
import sys

from .. import cdb
from ..qmail.control import QMAILDIR


def die(text: str) -> int:
    print(f"qmail-newmrh: fatal: {text}", file=sys.stderr)
    return 111


def main(argv: list[str]) -> int:
    os.umask(0o033)
    try:
        os.chdir(QMAILDIR)
    except OSError:
        return die("unable to chdir")
    try:
        with open("control/morercpthosts", "rb") as fh:
            lines = fh.read().split(b"\n")
    except FileNotFoundError:
        lines = []
    except OSError:
        return die("unable to read control/morercpthosts")
    records = [
        (line.strip().lower(), b"") for line in lines if line.strip() and not line.startswith(b"#")
    ]
    failed = cdb.write("control/morercpthosts.cdb", "control/morercpthosts.tmp", records)
    if failed and failed[0] == "move":
        return die("unable to move control/morercpthosts.tmp to control/morercpthosts.cdb")
    if failed:
        return die("unable to write control/morercpthosts.tmp")
    return 0
