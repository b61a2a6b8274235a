"""The simulated host's syslog: messages go to syslogd's socket (/var/run/log), which
appends them to the files NetBSD's /etc/syslog.conf routes them to."""

from __future__ import annotations

import os
import socket
import time

SOCKET = "/var/run/log"

FACILITIES = (
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
)
LEVELS = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")
#: facility -> file, as in NetBSD's default syslog.conf (mail.info -> maillog).
ROUTES = {
    "mail": "/var/log/maillog",
    "authpriv": "/var/log/authlog",
    "auth": "/var/log/authlog",
    "cron": "/var/log/cron",
}
DEFAULT_FILE = "/var/log/messages"


def parse_priority(text: str) -> tuple[str, str]:
    """``mail.info`` -> ("mail", "info"); raises ValueError naming the bad part."""
    facility, _, level = text.partition(".")
    if not level:
        facility, level = "user", facility
    if level == "warn":
        level = "warning"
    if level == "error":
        level = "err"
    if facility not in FACILITIES:
        raise ValueError(f"unknown facility name: {facility}")
    if level not in LEVELS:
        raise ValueError(f"unknown priority name: {level}")
    return facility, level


def route(facility: str, level: str) -> str | None:
    """The file a message goes to, or None when the default configuration drops it."""
    if LEVELS.index(level) > LEVELS.index("info"):
        return None
    return ROUTES.get(facility, DEFAULT_FILE)


def visible(raw: bytes) -> str:
    """A message as NetBSD syslogd writes it (syslogd.c copy_utf8_ascii): a newline
    becomes a space, another ASCII control (tab kept) ``^`` and the character XOR 0100
    (ESC -> ``^[``, DEL -> ``^?``), a valid multi-byte UTF-8 character ``<U+hex>``, and
    a byte of no valid sequence ``?``."""
    out, i = [], 0
    while i < len(raw):
        byte = raw[i]
        if byte < 0x80:
            if byte == 0x0A:
                out.append(" ")
            elif (byte < 0x20 and byte != 0x09) or byte == 0x7F:
                out.append("^" + chr(byte ^ 0o100))
            else:
                out.append(chr(byte))
            i += 1
            continue
        size = (
            2
            if 0xC2 <= byte <= 0xDF
            else 3
            if 0xE0 <= byte <= 0xEF
            else 4
            if 0xF0 <= byte <= 0xF4
            else 0
        )
        try:
            char = raw[i : i + size].decode("utf-8") if size else ""
        except UnicodeDecodeError:
            char = ""
        if len(char) == 1:
            out.append(f"<U+{ord(char):x}>")
            i += size
        else:
            out.append("?")
            i += 1
    return "".join(out)


def append(path: str, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode("utf-8", "replace"))
    finally:
        os.close(fd)


def encode(facility: str, level: str, tag: str, message: str, pid: int | None) -> bytes:
    """A BSD syslog datagram: <PRI>tag[pid]: message."""
    priority = FACILITIES.index(facility) * 8 + LEVELS.index(level)
    ident = f"{tag}[{pid}]" if pid else tag
    text = message.rstrip("\n")
    return f"<{priority}>{ident}: {text}".encode("utf-8", "surrogateescape")


def decode(datagram: bytes) -> tuple[str, str, str]:
    """(facility, level, 'tag[pid]: message') of a datagram from :func:`encode`, the
    message made visible as syslogd writes it."""
    priority, rest = 13, datagram
    if datagram.startswith(b"<") and b">" in datagram[:5]:
        head, rest = datagram[1:].split(b">", 1)
        if head.isdigit():
            priority = int(head)
    ident, sep, message = rest.partition(b": ")
    text = (
        ident.decode("ascii", "replace") + sep.decode() + visible(message) if sep else visible(rest)
    )
    facility = FACILITIES[min(priority // 8, len(FACILITIES) - 1)]
    return facility, LEVELS[priority % 8], text


def log(facility: str, level: str, tag: str, message: str, pid: int | None = None) -> None:
    """Send one message to syslogd; without a syslogd (root only) append it directly."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(encode(facility, level, tag, message, pid), SOCKET)
        return
    except OSError:
        pass
    path = route(facility, level)
    if path:
        ident = f"{tag}[{pid}]" if pid else tag
        raw = message.rstrip("\n").encode("utf-8", "surrogateescape")
        append(path, f"{stamp_host()} {ident}: {visible(raw)}\n")


def stamp_host(when: float | None = None) -> str:
    stamp = time.strftime("%b %e %H:%M:%S", time.localtime(when))
    return f"{stamp} {socket.gethostname().split('.')[0]}"
