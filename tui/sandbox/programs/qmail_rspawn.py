"""qmail-rspawn(8): run remote deliveries for qmail-send (as the remote user)."""
from __future__ import annotations

import json
import os

from ..proc import ensure_name
from ..qmail import remote


def main(argv: list[str]) -> int:
    ensure_name("qmail-rspawn")
    buffer = b""
    while True:
        data = os.read(0, 4096)
        if not data:
            return 0
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            try:
                request = json.loads(line)
            except ValueError:
                continue
            host = request["r"].rpartition("@")[2]
            report = remote.attempt(host, request["s"], [request["r"]])
            os.write(1, (json.dumps({"d": request["d"], "report": report}) + "\n").encode())
