"""ofmipd(8) from mess822: accept outgoing mail like qmail-smtpd, without rcpthosts."""

from __future__ import annotations

import os
import time

from ..qmail import queue
from ..qmail.control import QMAILDIR, me
from ..qmail.smtp import Control, Session

DIE_CONTROL = b"421 unable to read controls (#4.3.0)\r\n"


class OfmipSession(Session):
    protocol = "OFMIP"
    check_rcpthosts = False

    def headers_to_add(self, header: bytes) -> bytes:
        names = {
            line.split(b":", 1)[0].strip().lower()
            for line in header.split(b"\n")
            if line[:1] not in (b" ", b"\t", b"")
        }
        added = b""
        if b"date" not in names:
            added += f"Date: {queue.date822()}\n".encode()
        if b"message-id" not in names:
            stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
            added += f"Message-ID: <{stamp}.{os.getpid()}.ofmipd@{me() or 'me'}>\n".encode()
        return added


def main(argv: list[str]) -> int:
    try:
        os.chdir(QMAILDIR)
        ctl = Control()
    except OSError:
        os.write(1, DIE_CONTROL)
        return 1
    return OfmipSession(ctl).run()
