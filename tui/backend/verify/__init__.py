"""``verify``: does this host run a working and safe qmail? (issue 5, DESIGN §8)

Every check has a stable id, passes or fails, says what it saw and, when it fails,
the fix (a command to run or the file to edit).  A check that does not apply passes
with a detail saying it was skipped.  All I/O goes through the Host: one probe, the
psutil views, SMTP connections and one qmail-inject for the test delivery.

checks: ``verify`` and the service checks; relay: rcpthosts, tcp.smtp, a live relay
attempt; system: aliases, postfix, mailer.conf, the SMTP port; features: which mail
features the host is set up for (per era); tlsauth: STARTTLS, the certificate, AUTH;
reach: POP3 login, smtproutes relays, secrets' modes; srs: a forward's SRS0 sender;
certinfo: a certificate's names and expiry; config: where listeners bind, control/me;
smtp: the SMTP client; rules: tcp.smtp matching; delivery: the marked test message
(and its removal); report: Check, its text and JSON.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .checks import verify
    from .config import smtp_address
    from .delivery import send_test_message
    from .report import Check, render_text, to_json

__all__ = ["Check", "render_text", "send_test_message", "smtp_address", "to_json", "verify"]

#: each export's module, imported on first use (the Welcome's probe needs only config)
_HOMES = {
    "Check": "report",
    "render_text": "report",
    "send_test_message": "delivery",
    "smtp_address": "config",
    "to_json": "report",
    "verify": "checks",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value
    return value
