"""qmail-rspawn(8): run remote deliveries for qmail-send (as the remote user), one
child per delivery as qmail-remote processes."""

from __future__ import annotations

import json
import os
import signal

from ..proc import ensure_name, lines
from ..qmail import queue, remote

TRUNCREPORT = 3000


def _report(request: dict) -> str:
    host = request["r"].rpartition("@")[2]
    try:
        with open(queue.split_path("mess", int(request["n"])), "rb") as fh:
            message = fh.read()
    except OSError:
        return "ZUnable to read message. (#4.3.0)\n"
    return remote.attempt(host, request["s"], [request["r"]], message)


def _child(request: dict) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    try:
        report = _report(request)
    except Exception:
        report = "Zqmail-remote crashed.\n"
    line = json.dumps({"d": request["d"], "report": report[:TRUNCREPORT]}) + "\n"
    os.write(1, line.encode())
    os._exit(0)


def main(argv: list[str]) -> int:
    ensure_name()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    for line in lines():
        try:
            request = json.loads(line)
        except ValueError:
            continue
        if os.fork() == 0:
            _child(request)
    return 0
