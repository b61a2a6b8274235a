"""qmail-remote: deliver one message by SMTP, following control/smtproutes.

The sandbox has no DNS: a destination reaches a host only through a route
(``domain:relay[:port]``, the domain matched as itself, then each ``.parent``,
then ``""``) whose relay is an IP address (``1.2.3.4`` or ``[1.2.3.4]``); every
other lookup soft-fails as qmail's dns.c does without a resolver.  The dialogue,
texts and K/Z/D letters are netqmail 1.06's qmail-remote.c; :func:`attempt`
returns them combined the way qmail-rspawn reports one recipient.
"""

from __future__ import annotations

import ipaddress
import socket

from . import control

#: qmail-remote's temp_dns() text (a deferral; qmail-send retries later).
NO_HOST = "ZSorry, I couldn't find any host by that name. (#4.1.2)\n"
NO_CONN = "ZSorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n"
PARTIAL = "DSMTP cannot transfer messages with partial final lines. (#5.6.2)\n"
PORT_SMTP = 25
HUGESMTPTEXT = 5000
#: Characters that make qmail's quote() put a local part in double quotes.
SPECIALS = set('()<>@,;:\\".[] \t')


class Quit(Exception):
    """qmail-remote ended: ``str(exc)`` is its last (K/Z/D) message."""


def route(host: str) -> tuple[str, int] | None:
    """smtproutes' (relay, port) for ``host``; None: no route (an MX lookup)."""
    routes: dict[str, str] = {}
    for line in control.readlist("smtproutes") or []:
        key, sep, value = line.partition(":")
        if sep and key.lower() not in routes:
            routes[key.lower()] = value
    host = host.lower()
    relay = None
    for i in range(len(host) + 1):
        if i in (0, len(host)) or host[i] == ".":
            relay = routes.get(host[i:])
            if relay is not None:
                break
    if not relay:
        return None
    name, sep, port = relay.partition(":")
    digits = "".join(ch for ch in port.split(" ")[0] if ch.isdigit()) if sep else ""
    return name, int(digits) if sep else PORT_SMTP


def literal(name: str) -> str | None:
    """dns.c's literal address check: ``1.2.3.4`` or ``[1.2.3.4]``."""
    text = name[1:-1] if name.startswith("[") and name.endswith("]") else name
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        return None


def quote(address: str) -> str:
    """addrmangle(): the local part quoted as qmail's quote() does, @host kept."""
    box, at, host = address.rpartition("@")
    if not at:
        return address
    atoms = box.split(".")
    if box and all(a and not (SPECIALS & set(a)) for a in atoms):
        return address
    escaped = box.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{host}'


class Client:
    """One SMTP conversation (smtp() in qmail-remote.c)."""

    def __init__(self, sock: socket.socket, ip: str):
        self.sock, self.ip = sock, ip
        self.rfile = sock.makefile("rb")
        self.text = ""
        self.critical = False
        self.results: list[str] = []

    def dropped(self) -> Quit:
        dup = "Possible duplicate! " if self.critical else ""
        return Quit(f"ZConnected to {self.ip} but connection died. {dup}(#4.4.2)\n")

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError:
            raise self.dropped() from None

    def code(self) -> int:
        lines = []
        while True:
            try:
                raw = self.rfile.readline()
            except OSError:
                raw = b""
            if not raw.endswith(b"\n"):
                raise self.dropped()
            line = raw.decode("latin-1").replace("\r", "")
            lines.append(line)
            if line[3:4] != "-":
                break
        self.text = "".join(lines)[:HUGESMTPTEXT]
        try:
            return int(lines[0][:3])
        except ValueError:
            return 0

    def said(self) -> str:
        return f"Remote host said: {self.text}" if self.text else ""

    def quit(self, prepend: str, append: str) -> Quit:
        try:
            self.sock.sendall(b"QUIT\r\n")
        except OSError:
            pass
        return Quit(f"{prepend}{self.ip}{append}.\n{self.said()}")

    def run(self, helo: str, sender: str, recipients: list[str], message: bytes) -> None:
        """Talk until the end: ``results`` gets one r/h/s per recipient; raises Quit."""
        if self.code() != 220:
            raise self.quit("ZConnected to ", " but greeting failed")
        self.send(f"HELO {helo}\r\n".encode())
        if self.code() != 250:
            raise self.quit("ZConnected to ", " but my name was rejected")
        self.send(f"MAIL FROM:<{quote(sender)}>\r\n".encode())
        code = self.code()
        if code >= 400:
            raise self.quit(
                "DConnected to " if code >= 500 else "ZConnected to ", " but sender was rejected"
            )
        results = self.results
        for rcpt in recipients:
            self.send(f"RCPT TO:<{quote(rcpt)}>\r\n".encode())
            code = self.code()
            if code >= 400:
                kind = "h" if code >= 500 else "s"
                results.append(f"{kind}{self.ip} does not like recipient.\n{self.said()}")
            else:
                results.append("r")
        if all(r != "r" for r in results):
            raise self.quit("DGiving up on ", "")
        self.send(b"DATA\r\n")
        code = self.code()
        if code >= 400:
            raise self.quit("D" if code >= 500 else "Z", " failed on DATA command")
        self.send(blast(message))
        self.critical = True
        code = self.code()
        self.critical = False
        if code >= 400:
            raise self.quit("D" if code >= 500 else "Z", " failed after I sent the message")
        raise self.quit("K", " accepted message")


def blast(message: bytes) -> bytes:
    """The message dot-stuffed with CRLF line ends, then ``.``."""
    lines = message.split(b"\n")[:-1]
    out = [(b"." + line if line.startswith(b".") else line) + b"\r\n" for line in lines]
    return b"".join(out) + b".\r\n"


def deliver(host: str, sender: str, recipients: list[str], message: bytes) -> list[str]:
    """qmail-remote's output pieces: one r/h/s per recipient, then the K/Z/D message."""
    if message and not message.endswith(b"\n"):
        return [PARTIAL]
    found = route(host)
    ip = literal(found[0]) if found else None
    if ip is None:
        return [NO_HOST]
    port = found[1] if found else PORT_SMTP
    helo = control.with_me("helohost") or ""
    timeout = control.readint("timeoutremote", 1200)
    try:
        sock = socket.create_connection((ip, port), timeout=control.readint("timeoutconnect", 60))
    except OSError:
        return [NO_CONN]
    sock.settimeout(timeout)
    client = Client(sock, ip)
    try:
        client.run(helo, sender, recipients, message)
    except Quit as exc:
        return [*client.results, str(exc)]
    finally:
        sock.close()
    return [str(client.dropped())]


def attempt(host: str, sender: str, recipients: list[str], message: bytes = b"\n") -> str:
    """qmail-rspawn's report of one delivery: K/Z/D then the pieces' texts."""
    pieces = deliver(host, sender, recipients, message)
    first, last = pieces[0][:1], pieces[-1][:1]
    status = {"K": "K", "Z": "Z"}.get(last, "D")
    if first == "s":
        status = "Z"
    elif first == "h":
        status = "D"
    return status + "".join(p[1:] for p in pieces)
