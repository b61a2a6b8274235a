"""The check that ends every apply: qmail-send runs and SMTP answers (DESIGN §7)."""
from __future__ import annotations

import socket

from .files import rcconf
from .model import Profile
from .plan import CONTROL
from .probe import HostState

#: qmail-run's defaults for the SMTP listener (facts §4.2)
DEFAULT_SMTP = ("0", "25")


def smtp_address(state: HostState) -> tuple[str, int]:
    """Where qmailsmtpd listens, from rc.conf (0 / 0.0.0.0 means every address)."""
    rc_conf = state.text("/etc/rc.conf") or ""
    host = rcconf.get(rc_conf, "qmailsmtpd_tcphost") or DEFAULT_SMTP[0]
    port = rcconf.get(rc_conf, "qmailsmtpd_tcpport") or DEFAULT_SMTP[1]
    if host in ("0", "0.0.0.0", ""):
        host = "127.0.0.1"
    return host, int(port) if port.isdigit() else 25


def greeting(host, address: str, port: int, timeout: float = 10.0) -> str:
    """The first line the SMTP server at address:port sends ('' when none)."""
    try:
        with host.connect(address, port, timeout) as sock:
            sock.settimeout(timeout)
            data = b""
            while b"\n" not in data and len(data) < 1024:
                chunk = sock.recv(1024)
                if not chunk:
                    break
                data += chunk
            sock.sendall(b"QUIT\r\n")
    except OSError:
        return ""
    return data.split(b"\n", 1)[0].decode("latin-1").rstrip("\r")


def final_check(host, state: HostState, profile: Profile) -> list[str]:
    """Problems found, each with what to do; empty when qmail works."""
    problems = []
    if profile.services.qmailsend and not state.running("qmailsend"):
        problems.append("qmail-send is not running: see /var/log/maillog, then run "
                        "/etc/rc.d/qmailsend start.")
    if profile.services.qmailsmtpd:
        address, port = smtp_address(state)
        line = greeting(host, address, port)
        me = (state.text(f"{CONTROL}/me") or "").split("\n", 1)[0]
        if not line.startswith("220"):
            problems.append(f"nothing answers SMTP on {address}:{port}: check "
                            "/etc/rc.d/qmailsmtpd status and /var/log/maillog.")
        elif me and me not in line:
            problems.append(f"the SMTP greeting on {address}:{port} is {line!r}, not "
                            f"control/me ({me}): is another MTA still listening?")
    return problems
