"""The simulated host's syslog: messages go to syslogd's socket (/var/run/log), which
appends them to the files NetBSD's /etc/syslog.conf routes them to."""
from __future__ import annotations

import os
import socket
import time

SOCKET = "/var/run/log"

FACILITIES = ("kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
              "uucp", "cron", "authpriv", "ftp", "local0", "local1", "local2",
              "local3", "local4", "local5", "local6", "local7")
LEVELS = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")
#: facility -> file, as in NetBSD's default syslog.conf (mail.info -> maillog).
ROUTES = {"mail": "/var/log/maillog", "authpriv": "/var/log/authlog",
          "auth": "/var/log/authlog", "cron": "/var/log/cron"}
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
    return f"<{priority}>{ident}: {message.rstrip()}".encode("utf-8", "replace")


def decode(datagram: bytes) -> tuple[str, str, str]:
    """(facility, level, 'tag[pid]: message') of a datagram from :func:`encode`."""
    text = datagram.decode("utf-8", "replace")
    priority, rest = 13, text
    if text.startswith("<") and ">" in text[:5]:
        head, rest = text[1:].split(">", 1)
        if head.isdigit():
            priority = int(head)
    facility = FACILITIES[min(priority // 8, len(FACILITIES) - 1)]
    return facility, LEVELS[priority % 8], rest


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
        append(path, f"{stamp_host()} {ident}: {message.rstrip()}\n")


def stamp_host(when: float | None = None) -> str:
    stamp = time.strftime("%b %e %H:%M:%S", time.localtime(when))
    return f"{stamp} {socket.gethostname().split('.')[0]}"
