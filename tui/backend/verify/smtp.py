"""A minimal SMTP client for verify: the greeting, EHLO, STARTTLS, a relay attempt."""

from __future__ import annotations

import ssl

from ..hosts import Host

#: a recipient in a domain no host is local for
OUTSIDE_RCPT = "relay-test@qmail-wizard.invalid"


class Smtp:
    """A minimal SMTP client on a socket from Host.connect."""

    def __init__(self, sock, timeout: float):
        sock.settimeout(timeout)
        self.sock = sock
        self.reader = sock.makefile("rb")

    def reply(self) -> tuple[int, str]:
        lines = []
        while True:
            line = self.reader.readline(1024).decode("latin-1").rstrip("\r\n")
            if not line:
                raise OSError("the server closed the connection")
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                break
        code = lines[0][:3]
        return (int(code) if code.isdigit() else 0), "\n".join(lines)

    def command(self, text: str) -> tuple[int, str]:
        self.sock.sendall(text.encode() + b"\r\n")
        return self.reply()

    def ehlo(self, name: str = "qmail-wizard.invalid") -> list[str]:
        """The EHLO extension lines (after the first, code stripped), e.g.
        ``["STARTTLS", "AUTH LOGIN PLAIN"]``; [] when EHLO is refused."""
        code, text = self.command(f"EHLO {name}")
        return [line[4:] for line in text.split("\n")[1:]] if code == 250 else []

    def starttls(self) -> bytes:
        """STARTTLS and the handshake (no verification: verify reads the certificate
        itself); the server's certificate in DER.  OSError/ssl.SSLError on failure."""
        code, text = self.command("STARTTLS")
        if code != 220:
            raise OSError(f"STARTTLS answered {text.replace(chr(10), ' ')!r}")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        self.sock = context.wrap_socket(self.sock)
        self.reader = self.sock.makefile("rb")
        der = self.sock.getpeercert(binary_form=True)
        if not der:
            raise OSError("the server sent no certificate")
        return der


def greeting(host: Host, address: str, port: int, timeout: float = 5.0) -> str:
    """The first line the SMTP server at address:port sends ('' when none)."""
    try:
        with host.connect(address, port, timeout) as sock:
            smtp = Smtp(sock, timeout)
            _code, text = smtp.reply()
            smtp.command("QUIT")
    except OSError:
        return ""
    return text.split("\n", 1)[0]


def relay_attempt(
    host: Host, address: str, port: int, source: str, timeout: float = 5.0
) -> tuple[int, str]:
    """The reply to RCPT TO an outside domain, from the host's address ``source``."""
    with host.connect(address, port, timeout, source=source) as sock:
        smtp = Smtp(sock, timeout)
        smtp.reply()
        smtp.command("HELO qmail-wizard.invalid")
        smtp.command("MAIL FROM:<verify@qmail-wizard.invalid>")
        code, text = smtp.command(f"RCPT TO:<{OUTSIDE_RCPT}>")
        smtp.command("QUIT")
    return code, text
