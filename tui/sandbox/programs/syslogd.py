"""syslogd(8) of the simulated host: reads /var/run/log, appends per syslog.conf routes."""

from __future__ import annotations

import os
import socket

from .. import syslog
from ..proc import daemonize, ensure_name

PIDFILE = "/var/run/syslogd.pid"


def serve(sock: socket.socket) -> None:
    while True:
        datagram = sock.recv(8192)
        facility, level, text = syslog.decode(datagram)
        path = syslog.route(facility, level)
        if path:
            syslog.append(path, f"{syslog.stamp_host()} {text}\n")


def main(argv: list[str]) -> int:
    ensure_name()
    try:
        os.unlink(syslog.SOCKET)
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(syslog.SOCKET)
    os.chmod(syslog.SOCKET, 0o666)
    if not daemonize():
        return 0
    with open(PIDFILE, "w") as fh:
        fh.write(f"{os.getpid()}\n")
    serve(sock)
    return 0
