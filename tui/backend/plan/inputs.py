"""What each service read when it started, as hashes: a change of them restarts the
service, or reloads it when qmail-send re-reads them on SIGHUP."""

from __future__ import annotations

import hashlib

from ..facts import CONTROL, SERVICES
from ..hoststate import HostState
from ..profile.model import ACCOUNT_DEFAULTS, ACCOUNT_VARS

#: control files each service reads when it starts (restart when they change) and
#: those qmail-send re-reads on SIGHUP (reload is enough).
RESTART_INPUTS = {
    "qmailsend": ("me", "defaultdomain", "plusdomain", "defaultdelivery"),
    "qmailsmtpd": ("concurrencyincoming",),
    "qmailpop3d": ("concurrencypop3",),
}
HUP_INPUTS = {"qmailsend": ("locals", "virtualdomains")}
#: what each service runs with from qmail's build: qmail-send and its helpers are
#: long-running binaries that a rebuild replaces (options and every name compiled in);
#: the tcpserver listeners exec their program per connection, so only the accounts on
#: their rc.d command line (tcpserver -u/-g, setuidgid of the logger) matter.
BUILD_INPUTS = {
    "qmailsend": ("options",) + tuple(ACCOUNT_VARS),
    "qmailsmtpd": ("daemon", "nofiles_group", "log"),
    "qmailofmipd": ("daemon", "nofiles_group", "log"),
    "qmailqread": ("send", "qmail_group", "log"),
    "qmailpop3d": ("log",),
}


def _digest(text: str | None) -> str:
    return hashlib.sha256((text or "").encode("utf-8", "surrogateescape")).hexdigest()[:16]


def service_inputs(state: HostState) -> dict[str, dict[str, str]]:
    """Hashes of what each service read when it started (restart/HUP when they change)."""
    rc_conf = state.text("/etc/rc.conf") or ""
    info = state.build_info.get("qmail", {})
    built = {key: info.get(var, ACCOUNT_DEFAULTS[key]) for key, var in ACCOUNT_VARS.items()}
    built["options"] = " ".join(sorted(info.get("PKG_OPTIONS", "").split()))
    inputs = {}
    for service in SERVICES:
        names = RESTART_INPUTS.get(service, ()) + HUP_INPUTS.get(service, ())
        record = {name: _digest(state.text(f"{CONTROL}/{name}")) for name in names}
        record["rc.conf"] = _digest(
            "\n".join(f"{line}" for line in rc_conf.splitlines() if line.startswith(service + "_"))
        )
        record["build"] = _digest(
            " ".join(f"{k}={built[k]}" for k in BUILD_INPUTS.get(service, ()))
        )
        inputs[service] = record
    return inputs
