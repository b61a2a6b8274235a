"""The qmail-realrcptto patch (Paul Jarc, 2006.12.10): may qmail-smtpd accept RCPT addr?

It repeats qmail-send's rewrite (envnoathost, percenthack, locals, virtualdomains),
qmail-lspawn's users/cdb and qmail-getpw lookup, and qmail-local's search for the
``.qmail`` file; an address nothing would deliver is refused at RCPT.
"""

from __future__ import annotations

import os

from . import control, users


def _rewrite(addr: str) -> str | None:
    """The local part qmail-send would hand to qmail-lspawn; None for a remote address."""
    if "@" not in addr:
        addr += "@" + (control.with_me("envnoathost") or "envnoathost")
    percent = {h.lower() for h in control.readlist("percenthack") or []}
    at = addr.rfind("@")
    while addr[at + 1 :].lower() in percent and "%" in addr[:at]:
        j = addr.rfind("%", 0, at)
        addr = addr[:j] + "@" + addr[j + 1 : at]
        at = j
    local, domain = addr[:at], addr[at + 1 :].lower()
    if domain in control.locals_():
        return local
    virtual = control.virtualdomains()
    for key in (
        [f"{local}@{domain}".lower(), domain]
        + [domain[i:] for i in range(len(domain)) if domain[i] == "."]
        + [""]
    ):
        if key in virtual:
            prefix = virtual[key]
            return f"{prefix}-{local}" if prefix else None
    return None


def _qmail_file_exists(home: str, dash: str, ext: str) -> bool:
    """qmail-local's qmesearch: .qmail-ext, then each -default up the extension."""
    if not dash:
        return True
    safe = ext.lower().replace(".", ":")
    names = [f".qmail{dash}{safe}"] + [
        f".qmail{dash}{safe[:i]}default"
        for i in range(len(safe), -1, -1)
        if i == 0 or safe[i - 1] == "-"
    ]
    for name in names:
        try:
            os.stat(os.path.join(home, name))
            return True
        except FileNotFoundError:
            continue
        except OSError:
            return True  # stat_error(): logged, then accepted
    return False


def deliverable(addr: str) -> bool:
    """realrcptto(): False when no local delivery would take ``addr``."""
    local = _rewrite(addr)
    if local is None:
        return True
    try:
        target = users.lookup(local)
    except users.LookupFailure as exc:
        return "alias user" not in str(exc)
    return _qmail_file_exists(target.home, target.dash, target.ext)
