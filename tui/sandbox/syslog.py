"""The simulated host's syslogd: lines appended as NetBSD's /etc/syslog.conf routes them."""
from __future__ import annotations

import os
import socket
import time

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


def format_line(tag: str, message: str, pid: int | None = None,
                when: float | None = None) -> str:
    stamp = time.strftime("%b %e %H:%M:%S", time.localtime(when))
    host = socket.gethostname().split(".")[0]
    ident = f"{tag}[{pid}]" if pid else tag
    return f"{stamp} {host} {ident}: {message}\n"


def log(facility: str, level: str, tag: str, message: str, pid: int | None = None) -> None:
    """Append one line to the file syslogd would route ``facility.level`` to."""
    path = ROUTES.get(facility, DEFAULT_FILE)
    if LEVELS.index(level) > LEVELS.index("info"):
        return  # debug is not logged by the default configuration
    data = format_line(tag, message.rstrip("\n"), pid).encode("utf-8", "replace")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
