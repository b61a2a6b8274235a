"""qmail-rspawn(8): run remote deliveries for qmail-send (as the remote user)."""

from __future__ import annotations

import json
import os

from ..proc import ensure_name, lines
from ..qmail import remote


def main(argv: list[str]) -> int:
    ensure_name()
    for line in lines():
        try:
            request = json.loads(line)
        except ValueError:
            continue
        host = request["r"].rpartition("@")[2]
        report = remote.attempt(host, request["s"], [request["r"]])
        os.write(1, (json.dumps({"d": request["d"], "report": report}) + "\n").encode())
    return 0
