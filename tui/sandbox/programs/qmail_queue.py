"""qmail-queue(8): message on descriptor 0, envelope on descriptor 1; exit codes as documented.

Installed "setuid" to the queue user: it switches to it (see qmail.privs).
"""

from __future__ import annotations

import os

from ..qmail import accounts, privs, queue


def _slurp(fd: int) -> bytes:
    chunks: list[bytes] = []
    while True:
        data = os.read(fd, 65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def main(argv: list[str]) -> int:
    caller = os.getuid()
    os.umask(0o033)  # qmail-queue.c: mess files readable by qmail-rspawn's group
    privs.become(accounts.uid("QMAIL_QUEUE_USER"), accounts.gid("QMAIL_QMAIL_GROUP"))
    try:
        message = _slurp(0)
        envelope = _slurp(1)
    except OSError:
        return queue.EXIT_READ
    try:
        os.chdir(queue.QUEUE)
    except OSError:
        return queue.EXIT_QUEUE
    return queue.enqueue(message, envelope, caller, queue.received_line(caller, os.getpid()))
