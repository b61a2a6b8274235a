"""qmail-send(8): the queue manager (started by qmail-start with its descriptors 0-6)."""

from __future__ import annotations

import os

from ..proc import ensure_name
from ..qmail.control import QMAILDIR
from ..qmail.send import Sender


def main(argv: list[str]) -> int:
    ensure_name()
    try:
        os.chdir(QMAILDIR)
    except OSError:
        return 111
    return Sender().run()
