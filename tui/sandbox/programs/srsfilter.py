"""srsfilter (qmail-srs 0.8): deliver a bounce sent to an SRS address to its original sender.

Run from ``alias/.qmail-srs-default`` by qmail-local (SENDER, EXT2, HOST set): the
bounce (null sender) is requeued from <> to the address EXT2 decodes to, with its
``To:`` header replaced by that address; a message with a sender is ignored (exit 0).
"""

from __future__ import annotations

import os
import sys

from ..qmail import queue, srs

FATAL = "srsfilter: fatal: "


def _die(code: int, text: str) -> int:
    sys.stderr.write(text + "\n")
    return code


def rewrite_to(message: bytes, address: str) -> bytes | None:
    """The message with one ``To: address`` header (None: no end of header)."""
    out, seen, in_to = [], False, False
    head, sep, body = message.partition(b"\n\n")
    if not sep:
        return None
    new = b"To: " + address.encode()
    for line in head.split(b"\n"):
        if in_to and line[:1] in (b" ", b"\t"):
            continue
        if line[:3].lower() == b"to:":
            in_to = True
            if not seen:
                out.append(new)
                seen = True
            continue
        in_to = False
        out.append(line)
    if not seen:
        out.append(new)
    return b"\n".join(out) + b"\n\n" + body


def main(argv: list[str]) -> int:
    sender = os.environ.get("SENDER")
    if sender is None:
        return _die(100, FATAL + "SENDER not set")
    if sender:
        return _die(0, "srsfilter: ignore: SENDER must be empty")
    ext2 = os.environ.get("EXT2")
    if ext2 is None:
        return _die(100, FATAL + "EXT2 not set")
    if os.environ.get("HOST") is None:
        return _die(100, FATAL + "HOST not set")
    code, original = srs.srsreverse(ext2)
    if code == -3:
        return _die(100, FATAL + (original or ""))
    if code == -1:
        return _die(111, FATAL + "unable to read controls")
    if code != 1 or original is None:
        return _die(100, FATAL + "unable to rewrite envelope")
    message = rewrite_to(sys.stdin.buffer.read(), original)
    if message is None:
        return _die(100, FATAL + "unable to read message body")
    status, qp = queue.submit(message, "", [original])
    if status:
        text = queue.qq_text(status)
        return _die(100 if text[0] == "D" else 111, FATAL + text[1:])
    return _die(0, f"srsfilter: qp {qp}")
