"""qmail-smtpd(8): receive mail via SMTP on descriptors 0/1 (run under tcpserver).

Built with pkgsrc's 2017 ``sasl`` option (``tls`` implies it; in +BUILD_INFO) it is
the patched qmail-smtpd: ``qmail-smtpd [checkprogram subprogram...]`` with SMTP AUTH,
and STARTTLS with ``tls`` (see qmail/smtpauth.py). 2020Q2's (QMAILPATCHES has ``spp``)
runs the qmail-spp plugins of control/smtpplugins at RCPT (see qmail/spp.py).
"""

from __future__ import annotations

import os
import sys

from ..qmail import build, spp
from ..qmail.control import QMAILDIR
from ..qmail.smtp import Control, Session
from ..qmail.smtpauth import AuthSession

DIE_CONTROL = b"421 unable to read controls (#4.3.0)\r\n"


def main(argv: list[str]) -> int:
    try:
        os.chdir(QMAILDIR)
        ctl = Control()
        plugins = spp.Plugins.load() if build.patched("spp") else None
    except OSError:
        os.write(1, DIE_CONTROL)
        return 1
    sys.stdout = sys.stderr
    options = build.options()
    if "sasl" in options:  # 2017's tls implies sasl; 2020's tls patches qmail-remote only
        return AuthSession(ctl, argv[1:], "tls" in options).run()
    session = Session(ctl)
    session.plugins = plugins
    return session.run()
