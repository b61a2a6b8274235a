"""qmail-qstat(8): summarize the queue."""

from __future__ import annotations

import os
import sys

from ..qmail import queue


def main(argv: list[str]) -> int:
    if not os.access(queue.q("mess"), os.R_OK | os.X_OK):
        print(f"qmail-qstat: cannot read {queue.q('mess')}", file=sys.stderr)
        return 111
    print(f"messages in queue: {len(queue.messages())}")
    print(f"messages in queue but not yet preprocessed: {len(queue.todo())}")
    return 0
