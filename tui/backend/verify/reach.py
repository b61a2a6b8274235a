"""verify's POP3 check (greeting, a login refused for a wrong password), the smtproutes
relays' reachability and the modes of keys and secrets."""

from __future__ import annotations

import secrets
import ssl
import stat
from typing import TYPE_CHECKING

from ..facts import CONTROL
from ..hosts import HostError
from . import features, tlsclient
from .config import connectable, listen
from .report import Check

if TYPE_CHECKING:
    from .checks import Verifier

#: a login no account has: its refusal shows the checkpassword path answers
NOBODY = "qmail-wizard-verify"


def _line(reader) -> str:
    line = reader.readline(1024).decode("latin-1").rstrip("\r\n")
    if not line:
        raise OSError("the server closed the connection")
    return line


def _capabilities(sock, reader) -> list[str]:
    """CAPA's lines (RFC 2449); [] when the server does not know CAPA (qmail-popup)."""
    sock.sendall(b"CAPA\r\n")
    if not _line(reader).startswith("+OK"):
        return []
    lines = []
    while (line := _line(reader)) != ".":
        lines.append(line.upper())
    return lines


def _stls(sock, reader):
    """STLS (RFC 2595) and the handshake, unverified: (TLS socket, its reader)."""
    sock.sendall(b"STLS\r\n")
    answer = _line(reader)
    if not answer.startswith("+OK"):
        raise OSError(f"STLS answered {answer!r}")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    sock = context.wrap_socket(sock)
    return sock, sock.makefile("rb")


def pop3(v: Verifier) -> list[Check]:
    """Check pop3-login; [] when qmailpop3d is not enabled."""
    if not v.rc.yes("qmailpop3d"):
        return []
    spot = listen(v.host, v.state, "qmailpop3d")
    address, port = connectable(spot.address), spot.port
    title, where = f"POP3 greeting and login on port {port}", f"{address}:{port}"
    fix = "/etc/rc.d/qmailpop3d restart, then read /var/log/maillog"
    source = tlsclient.pick(v.host, v.state, "qmailpop3d").source
    if source:
        where += f" from {source}"
    try:
        with v.host.connect(address, port, 15.0, source=source or None) as plain:
            plain.settimeout(15.0)
            sock, reader = plain, plain.makefile("rb")
            greeting = _line(reader)
            if not greeting.startswith("+OK"):
                return [Check("pop3-login", title, False, f"{where} greets {greeting!r}", fix)]
            if "STLS" in _capabilities(sock, reader):  # authup with UCSPITLS (2020Q2)
                sock, reader = _stls(sock, reader)
            sock.sendall(f"USER {NOBODY}\r\n".encode())
            user = _line(reader)
            sock.sendall(f"PASS {secrets.token_hex(8)}\r\n".encode())
            answer = _line(reader) if user.startswith("+OK") else user
            sock.sendall(b"QUIT\r\n")
    except (OSError, ssl.SSLError) as exc:
        return [Check("pop3-login", title, False, f"talking to {where} failed ({exc})", fix)]
    program = (features.knob(v.host, v.state, "qmailpop3d", "checkpassword").split() or [""])[0]
    if program.startswith("/") and not v.host.exists(program):
        # qmail-popup answers a failed exec as a wrong password: look for the program
        return [
            Check(
                "pop3-login",
                title,
                False,
                f"{where} greets {greeting[:40]!r}, but {program} (qmailpop3d_checkpassword) "
                "is missing: every POP3 login fails",
                "install security/checkpassword, or set qmailpop3d_checkpassword in "
                "/etc/rc.conf to an installed one, then /etc/rc.d/qmailpop3d restart",
            )
        ]
    if answer.startswith("-ERR") and "authorization failed" in answer:
        return [
            Check(
                "pop3-login",
                title,
                True,
                f"{where} greets {greeting[:40]!r}; a wrong password gets {answer!r}",
            )
        ]
    return [
        Check(
            "pop3-login",
            title,
            False,
            f"{where}: a login with a wrong password got {answer!r}, not "
            "'-ERR authorization failed': the password check does not run",
            "check qmailpop3d_checkpassword in /etc/rc.conf names an installed "
            "checkpassword (security/checkpassword), then /etc/rc.d/qmailpop3d restart",
        )
    ]


def routes(v: Verifier) -> list[Check]:
    """Check route-<domain> for each control/smtproutes relay (a TCP connect from the host)."""
    checks = []
    for route in features.routes(v.state):
        label = route.domain or "all other domains"
        cid = f"route-{route.domain or 'default'}"
        title, where = f"smtproutes relay for {label} reachable", f"{route.relay}:{route.port}"
        try:
            v.host.connect(route.relay, route.port, 5.0).close()
        except OSError as exc:
            checks.append(
                Check(
                    cid,
                    title,
                    False,
                    f"{where} (line {route.line} of {CONTROL}/smtproutes) does not answer "
                    f"({exc}): mail for {label} waits in the queue",
                    f"start the relay at {where}, or correct line {route.line} of "
                    f"{CONTROL}/smtproutes",
                )
            )
        else:
            checks.append(Check(cid, title, True, f"{where} accepts connections"))
    return checks


def secret_modes(v: Verifier) -> list[Check]:
    """Check secrets-private: keys and secrets not readable by every user."""
    paths = features.secret_files(v.host, v.state)
    if not paths:
        return []
    title, exposed = "keys and secrets not world-readable", []
    for path in paths:
        try:
            mode = v.host.stat(path).mode
        except HostError:
            continue
        if mode & (stat.S_IROTH | stat.S_IWOTH):
            exposed.append(f"{path} (mode {stat.S_IMODE(mode):o})")
    if exposed:
        return [
            Check(
                "secrets-private",
                title,
                False,
                f"every user on the host can read {', '.join(exposed)}",
                "chmod o= " + " ".join(e.split(" (")[0] for e in exposed),
            )
        ]
    return [Check("secrets-private", title, True, f"{len(paths)} files: {', '.join(paths)}")]
