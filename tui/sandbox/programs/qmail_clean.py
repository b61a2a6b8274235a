"""qmail-clean(8): remove queue files on qmail-send's behalf (runs as the queue user)."""

from __future__ import annotations

import json
import os

from ..proc import ensure_name, lines
from ..qmail import queue

_FILES = {
    "todo": lambda n: [queue.q("intd", n), queue.q("todo", n)],
    "mess": lambda n: [queue.split_path("mess", n)],
}


def main(argv: list[str]) -> int:
    ensure_name()
    for line in lines():
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
    return 0
