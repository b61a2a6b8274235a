"""qmail-qread(8): list outgoing messages and recipients (also mailq / sendmail -bp)."""

from __future__ import annotations

import os
import sys
import time

from ..qmail import queue


def _recipients(channel: str, num: int) -> list[tuple[bool, str]]:
    try:
        with open(queue.split_path(channel, num), "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        return []
    return [
        (e[:1] == b"D", e[1:].decode(errors="replace"))
        for e in raw.split(b"\0")
        if e[:1] in (b"T", b"D")
    ]


def main(argv: list[str]) -> int:
    try:
        os.chdir(queue.QUEUE)
    except OSError:
        print("qmail-qread: fatal: unable to chdir to queue", file=sys.stderr)
        return 111
    for num in queue.messages():
        try:
            info = queue.split_path("info", num)
            with open(info, "rb") as fh:
                sender = fh.read()[1:].split(b"\0")[0].decode(errors="replace")
            birth = os.stat(info).st_mtime
            size = os.stat(queue.split_path("mess", num)).st_size
        except FileNotFoundError:
            continue
        except OSError:
            print("qmail-qread: warning: unable to read info/", num, file=sys.stderr)
            continue
        stamp = time.strftime("%d %b %Y %H:%M:%S GMT", time.gmtime(birth)).lstrip("0")
        bouncing = "bouncing" if os.path.exists(queue.q("bounce", num)) else ""
        print(f"{stamp}  #{num}  {size}  <{sender}> {bouncing}")
        for channel in ("remote", "local"):
            for done, rcpt in _recipients(channel, num):
                print(f"{'  done' if done else ''}\t{channel}\t{rcpt}")
    return 0
