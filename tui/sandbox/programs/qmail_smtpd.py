"""qmail-smtpd(8): receive mail via SMTP on descriptors 0/1 (run under tcpserver)."""

from __future__ import annotations

import os
import sys

from ..qmail.control import QMAILDIR
from ..qmail.smtp import Control, Session

DIE_CONTROL = b"421 unable to read controls (#4.3.0)\r\n"


def main(argv: list[str]) -> int:
    try:
        os.chdir(QMAILDIR)
        ctl = Control()
    except OSError:
        os.write(1, DIE_CONTROL)
        return 1
    sys.stdout = sys.stderr
    return Session(ctl).run()
