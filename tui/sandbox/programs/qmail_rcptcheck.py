"""qmail-rcptcheck(8) from qmail-rejectutils 20181230: run control/rcptchecks in turn.

Under qmail-spp (SMTPRCPTTO set) it answers on stdout with spp's commands; under the
RCPTCHECK patch with exit codes. Each check sees SENDER and RECIPIENT and exits 100
to reject, 111 when it cannot verify, 120 when it cannot run; the first of these wins.
"""

from __future__ import annotations

import os
import subprocess

from ..qmail import control

#: (spp stdout line, RCPTCHECK exit code) per outcome.
ACCEPT = ("", 0)
REJECT = ("E553 sorry, no mailbox here by that name. (#5.1.1)\n", 100)
UNABLE_TO_VERIFY = ("R421 unable to verify recipient (#4.3.0)\n", 111)
UNABLE_TO_EXECUTE = ("R421 unable to execute recipient check (#4.3.0)\n", 120)
BY_EXIT = {100: REJECT, 111: UNABLE_TO_VERIFY, 120: UNABLE_TO_EXECUTE}


def _outcome() -> tuple[str, int]:
    spp = "SMTPRCPTTO" in os.environ
    sender = os.environ.get("SMTPMAILFROM" if spp else "SENDER")
    recipient = os.environ.get("SMTPRCPTTO" if spp else "RECIPIENT")
    os.write(2, f"qmail-rcptcheck: from {sender or ''} to {recipient or ''}\n".encode())
    if sender is not None:
        os.environ["SENDER"] = sender
    if recipient is not None:
        os.environ["RECIPIENT"] = recipient
    try:
        checks = control.readlist("rcptchecks") or []
    except OSError:
        return UNABLE_TO_VERIFY
    for check in checks:
        try:
            code = subprocess.run([check], check=False, stdin=subprocess.DEVNULL).returncode
        except OSError:
            return UNABLE_TO_EXECUTE
        if code < 0:
            return UNABLE_TO_EXECUTE
        if code in BY_EXIT:
            return BY_EXIT[code]
    return ACCEPT


def main(argv: list[str]) -> int:
    line, code = _outcome()
    if "SMTPRCPTTO" not in os.environ:
        return code
    os.write(1, line.encode())
    return 0
