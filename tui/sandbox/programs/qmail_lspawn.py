"""qmail-lspawn(8): run local deliveries for qmail-send, each as its user (runs as root)."""

from __future__ import annotations

import json
import os
import signal

from ..proc import ensure_name, lines
from ..qmail import local, privs, queue, users
from ..qmail.control import QMAILDIR

TRUNCREPORT = 3000


def _report(request: dict, aliasempty: str) -> str:
    recipient = request["r"]
    at = recipient.rfind("@")
    local_part, domain = recipient[:at], recipient[at + 1 :]
    if not local_part:
        return "Kdid 0+0+0\n"
    try:
        target = users.lookup(local_part)
    except users.LookupFailure as exc:
        return str(exc) + "\n"
    try:
        with open(queue.split_path("mess", int(request["n"])), "rb") as fh:
            message = fh.read()
    except OSError:
        return "ZUnable to read message. (#4.3.0)\n"
    if target.uid == 0:
        return "ZNot allowed to perform deliveries as root.\n"
    try:
        privs.drop(target.uid, target.gid)
    except OSError:
        return "ZInternal qmail-lspawn bug.\n"
    delivery = local.Delivery(
        target.user,
        target.home,
        local_part,
        target.dash,
        target.ext,
        domain,
        request["s"],
        aliasempty,
        message,
    )
    return local.deliver(delivery)


def _child(request: dict, aliasempty: str) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    try:
        report = _report(request, aliasempty)
    except Exception:
        report = "Zqmail-local crashed.\n"
    line = json.dumps({"d": request["d"], "report": report[:TRUNCREPORT]}) + "\n"
    os.write(1, line.encode())
    os._exit(0)


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        return 100
    ensure_name()
    aliasempty = argv[1]
    os.chdir(QMAILDIR)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    for line in lines():
        try:
            request = json.loads(line)
        except ValueError:
            continue
        if os.fork() == 0:
            _child(request, aliasempty)
    return 0
