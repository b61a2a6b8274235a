"""Which mail features a host is configured for, as verify reads them from one probe,
per pkgsrc era (docs/FIDELITY.md §16.tls-auth-pop3): 2017Q1's qmail-smtpd does STARTTLS
and AUTH itself (the ``tls``/``sasl`` patch, control/servercert.pem, checkpassword in
``qmailsmtpd_postsmtpd``); 2020Q2's qmail-run wraps it in sslserver (``qmailsmtpd_tls``
knobs) and offers AUTH on submission (qmailofmipd, 587)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from .. import rcscript
from ..facts import CONTROL, is_yes
from ..files import control
from ..hosts import Host
from ..hoststate import HostState
from .config import connectable, listen, rc_script


@dataclass(frozen=True)
class Tls:
    """STARTTLS on a listener: where, the files it needs, why it is expected."""

    service: str
    address: str
    port: int
    cert: str
    dhparams: str  # "" when the era's server needs none (2017Q1)
    why: str


@dataclass(frozen=True)
class Auth:
    """SMTP AUTH on a listener (after STARTTLS when ``tls``)."""

    service: str
    address: str
    port: int
    tls: bool
    checkprogram: str  # the checkpassword qmail-smtpd runs ("" when not known)
    why: str


def qmail_options(state: HostState) -> set[str]:
    """The PKG_OPTIONS the installed qmail was built with."""
    return set(state.build_info.get("qmail", {}).get("PKG_OPTIONS", "").split())


def knob(host: Host, state: HostState, service: str, name: str) -> str:
    """``<service>_<name>`` as rc.conf sets it, else its rc.d script's default."""
    var = f"{service}_{name}"
    value = state.rc_conf().value(var)
    if value is None:
        value = rcscript.knob_defaults(rc_script(host, state, service)).get(var, "")
    return value


def _where(host: Host, state: HostState, service: str) -> tuple[str, int]:
    spot = listen(host, state, service)
    return connectable(spot.address), spot.port


def _exists(host: Host, state: HostState, path: str) -> bool:
    return state.text(path) is not None or host.exists(path)


def checkprogram(host: Host, state: HostState) -> str:
    """2017Q1: the checkpassword program qmailsmtpd_postsmtpd hands qmail-smtpd."""
    try:
        words = shlex.split(knob(host, state, "qmailsmtpd", "postsmtpd"))
    except ValueError:
        return ""
    return words[0] if words else ""


def tls(host: Host, state: HostState) -> Tls | None:
    """STARTTLS on the SMTP port, when the host is set up for it (None: it is not)."""
    rc = state.rc_conf()
    if not rc.yes("qmailsmtpd"):
        return None
    address, port = _where(host, state, "qmailsmtpd")
    if state.era() == "2017Q1":
        cert = f"{CONTROL}/servercert.pem"
        if "tls" not in qmail_options(state):
            return None
        if _exists(host, state, cert):
            why = f"{cert} exists"
        elif checkprogram(host, state):
            why = "qmailsmtpd_postsmtpd turns AUTH on, and passwords need TLS"
        else:
            return None
        return Tls("qmailsmtpd", address, port, cert, "", why)
    if not knob(host, state, "qmailsmtpd", "tcpserver").endswith("/sslserver"):
        return None
    mode = knob(host, state, "qmailsmtpd", "tls") or "auto"
    cert = knob(host, state, "qmailsmtpd", "tls_cert")
    dhparams = knob(host, state, "qmailsmtpd", "tls_dhparams")
    if is_yes(mode):
        why = "qmailsmtpd_tls=YES"
    elif mode == "auto" and (_exists(host, state, cert) or _exists(host, state, dhparams)):
        why = "qmailsmtpd_tls=auto and the certificate or DH parameters exist"
    elif mode == "auto" and rc.yes("qmailofmipd"):
        why = "qmailofmipd (submission with AUTH) is enabled, and passwords need TLS"
    else:
        return None
    return Tls("qmailsmtpd", address, port, cert, dhparams, why)


def auth(host: Host, state: HostState) -> Auth | None:
    """SMTP AUTH, when the host is set up for it (None: it is not)."""
    rc = state.rc_conf()
    if state.era() == "2017Q1":
        program = checkprogram(host, state)
        if not (rc.yes("qmailsmtpd") and "sasl" in qmail_options(state) and program):
            return None
        address, port = _where(host, state, "qmailsmtpd")
        on_tls = tls(host, state) is not None
        return Auth("qmailsmtpd", address, port, on_tls, program, "qmailsmtpd_postsmtpd is set")
    if not rc.yes("qmailofmipd"):
        return None
    address, port = _where(host, state, "qmailofmipd")
    return Auth("qmailofmipd", address, port, True, "", "qmailofmipd is enabled")


def srs_domain(state: HostState) -> str:
    return control.value(state.text(f"{CONTROL}/srs_domain") or "")


@dataclass(frozen=True)
class Route:
    line: int
    domain: str
    relay: str
    port: int


def routes(state: HostState) -> list[Route]:
    """control/smtproutes entries that name a relay (``domain:relay[:port]``)."""
    found = []
    text = state.text(f"{CONTROL}/smtproutes") or ""
    for number, row in enumerate(text.splitlines(), 1):
        domain, colon, rest = row.strip().partition(":")
        relay, _, port = rest.partition(":")
        relay = relay.strip("[]")
        if colon and relay:
            found.append(Route(number, domain, relay, int(port) if port.isdigit() else 25))
    return found


def secret_files(host: Host, state: HostState) -> list[str]:
    """Files holding keys or secrets that exist on the host."""
    names = ["servercert.pem", "clientcert.pem", "srs_secrets", "rsa512.pem"]
    paths = [f"{CONTROL}/{name}" for name in names]
    if state.era() != "2017Q1":
        for service in ("qmailsmtpd", "qmailofmipd", "qmailpop3d"):
            for name in ("tls_cert", "tls_key"):  # DH parameters are public
                value = knob(host, state, service, name)
                if value and value not in paths:
                    paths.append(value)
    return [path for path in paths if _exists(host, state, path)]
