"""Postfix master(8) stand-in: holds master.cf's SMTP address and hands each
connection to /usr/libexec/postfix/smtpd; pid in /var/spool/postfix/pid/master.pid."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

from .. import proc
from ..flavors import UNVERIFIED
from ..layout import inside_flavor
from .postfix import MASTER, PID_FILE, log, smtp_listen_address

SMTPD = "/usr/libexec/postfix/smtpd"
_READY_ENV = "_SANDBOX_POSTFIX_READY_FD"


def _version() -> str:
    try:
        return UNVERIFIED["postfix_version"][inside_flavor().name]
    except (OSError, KeyError):
        return UNVERIFIED["postfix_version"]["2017Q1"]


def _serve(ready_fd: int) -> int:
    def ready(word: str) -> None:
        os.write(ready_fd, word.encode())
        os.close(ready_fd)

    try:
        host, port = smtp_listen_address()
    except (OSError, ValueError) as exc:
        log("master", f"fatal: /etc/postfix/master.cf: {exc}", "crit")
        ready("fail")
        return 1
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
        listener.listen(100)
    except OSError as exc:
        log("master", f"fatal: bind {host} port {port}: {exc.strerror}", "crit")
        ready("fail")
        return 1
    with open(PID_FILE, "w") as fh:
        fh.write(f"{os.getpid():>10}\n")
    version = _version()
    log("master", f"daemon started -- version {version}, configuration /etc/postfix")

    def terminate(signum, _frame):
        log("master", f"terminating on signal {signum}")
        listener.close()
        os._exit(0)

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, terminate)
    signal.signal(
        signal.SIGHUP,
        lambda *_: log("master", f"reload -- version {version}, configuration /etc/postfix"),
    )
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # smtpd children reap themselves
    ready("ok")
    service = f"{host}:{port}"
    while True:
        conn, _ = listener.accept()
        try:
            subprocess.Popen(
                [SMTPD, "-n", service, "-t", "inet"],
                stdin=conn.fileno(),
                stdout=conn.fileno(),
                stderr=subprocess.DEVNULL,
                close_fds=True,
            )
        except OSError as exc:
            log("master", f"warning: {SMTPD}: {exc.strerror}", "warning")
        conn.close()


def main(argv: list[str]) -> int:
    if _READY_ENV in os.environ:
        fd = int(os.environ.pop(_READY_ENV))
        proc.detach_stdio()
        os.chdir("/var/spool/postfix")
        return _serve(fd)
    wait = "-w" in argv[1:]
    read_end, write_end = os.pipe()
    if os.fork() == 0:
        os.close(read_end)
        os.setsid()
        os.set_inheritable(write_end, True)
        os.environ[_READY_ENV] = str(write_end)
        proc.detach_stdio()
        proc.exec_program(MASTER, argv)
    os.close(write_end)
    if not wait:
        return 0
    answer = b""
    while chunk := os.read(read_end, 16):
        answer += chunk
    if answer != b"ok":
        print("master: fatal: daemon initialization failure", file=sys.stderr)
        return 1
    return 0
