"""qmail-clean(8): remove queue files on qmail-send's behalf (runs as the queue user)."""
from __future__ import annotations

import json
import os

from ..proc import ensure_name
from ..qmail import queue

_FILES = {"todo": lambda n: [queue.q("intd", n), queue.q("todo", n)],
          "mess": lambda n: [queue.split_path("mess", n)]}


def main(argv: list[str]) -> int:
    ensure_name("qmail-clean")
    stdin = os.fdopen(0, "rb", buffering=0)
    buffer = b""
    while True:
        data = stdin.read(4096)
        if not data:
            return 0
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            try:
                request = json.loads(line)
                paths = _FILES[request["op"]](int(request["n"]))
            except (ValueError, KeyError):
                paths = []
            for path in paths:
                try:
                    os.unlink(path)
                except OSError:
                    pass
            os.write(1, b"+\n")
