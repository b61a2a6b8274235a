"""Start, stop, restart and reload the mail services through their rc.d scripts."""

from __future__ import annotations

from .hosts import Host, Result
from .status import SERVICES

ACTIONS = ("start", "stop", "restart", "reload")
#: rc.d verb behind "reload" (facts §4): SIGHUP for qmail-send and postfix, the
#: tcprules cdb for the tcpserver services.  qmailqread has neither.
RELOAD = {
    "qmailsend": "reload",
    "qmailsmtpd": "cdb",
    "qmailpop3d": "cdb",
    "qmailofmipd": "cdb",
    "postfix": "reload",
}
TIMEOUT = 120.0


def act(host: Host, service: str, action: str, enabled: bool = True) -> Result:
    """``/etc/rc.d/<service> <action>``; ValueError for an unknown service or action.

    A service rc.conf does not enable gets the ``one`` prefix (``onestop``), which is
    how rc.subr lets an admin act on it anyway (facts §6.2)."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}: allowed are {', '.join(SERVICES)}")
    if action not in ACTIONS:
        raise ValueError(
            f"unknown action {action!r} for {service}: allowed are {', '.join(ACTIONS)}"
        )
    verb = action
    if action == "reload":
        if service not in RELOAD:
            raise ValueError(f"{service} has no reload (it reads no rules file): use restart")
        verb = RELOAD[service]
    return host.run([f"/etc/rc.d/{service}", verb if enabled else f"one{verb}"], timeout=TIMEOUT)


def flush(host: Host) -> Result:
    """Deliver the queue now: qmail-tcpok, then SIGALRM to qmail-send."""
    return host.run(["/etc/rc.d/qmailsend", "flush"], timeout=TIMEOUT)
