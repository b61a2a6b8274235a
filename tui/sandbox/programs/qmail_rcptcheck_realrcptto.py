"""qmail-rcptcheck-realrcptto(8) from qmail-rejectutils 20181230: a check for
control/rcptchecks that rejects (100) a RECIPIENT no local delivery would take.

The rules are the realrcptto patch's (qmail/realrcptto.py); 111 without RECIPIENT.
With QMAILRRTDENYALL=1 the refusal is logged and the address accepted.
"""

from __future__ import annotations

import os

from ..qmail import realrcptto


def main(argv: list[str]) -> int:
    recipient = os.environ.get("RECIPIENT")
    if recipient is None:
        return 111
    try:
        if realrcptto.deliverable(recipient):
            return 0
    except OSError:
        return 111
    ip = os.environ.get(os.environ.get("PROTO", "") + "REMOTEIP") if "PROTO" in os.environ else None
    where = f"{os.getppid()} {ip + ' ' if ip else ''}{recipient}"
    os.write(2, f"rcptcheck: realrcptto {where}\n".encode())
    return 0 if os.environ.get("QMAILRRTDENYALL") == "1" else 100
