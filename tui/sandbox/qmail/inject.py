"""qmail-inject(8) message preparation: addresses, headers, envelope."""

from __future__ import annotations

import os
import re
import time

from . import control, queue

RECIPIENT_HEADERS = ("to", "cc", "bcc", "apparently-to", "resent-to", "resent-cc", "resent-bcc")


def qualify(address: str) -> str:
    """defaulthost for bare names, defaultdomain for dotless hosts, plusdomain for a trailing +."""
    local, at, host = address.rpartition("@")
    if not at:
        return f"{address}@{control.with_me('defaulthost', 'defaulthost')}"
    if host.endswith("+"):
        host = host[:-1] + "." + (control.with_me("plusdomain") or "plusdomain")
    elif "." not in host and not host.startswith("["):
        host = host + "." + (control.with_me("defaultdomain") or "defaultdomain")
    return f"{local}@{host}"


def split_message(data: bytes) -> tuple[list[str], bytes]:
    """Header lines (continuations joined) and the body (blank line included)."""
    text = data.replace(b"\r\n", b"\n")
    head, sep, body = text.partition(b"\n\n")
    if not sep and not re.match(rb"^[!-9;-~]+:", head):
        return [], b"\n" + text
    headers: list[str] = []
    for line in head.decode(errors="replace").split("\n"):
        if line[:1] in (" ", "\t") and headers:
            headers[-1] += "\n" + line
        elif line:
            headers.append(line)
    return headers, b"\n" + body


def default_sender() -> str:
    user = next(
        (
            os.environ[v]
            for v in ("QMAILSUSER", "QMAILUSER", "MAILUSER", "USER", "LOGNAME")
            if os.environ.get(v)
        ),
        "anonymous",
    )
    host = next(
        (os.environ[v] for v in ("QMAILSHOST", "QMAILHOST", "MAILHOST") if os.environ.get(v)), None
    )
    return f"{user}@{host or control.with_me('defaulthost', 'defaulthost')}"


def prepare(
    data: bytes, sender: str | None, recipients: list[str], use_header_recipients: bool
) -> tuple[bytes, str, list[str]]:
    headers, body = split_message(data)
    names = [h.split(":", 1)[0].strip().lower() for h in headers]
    found = []
    kept = []
    for name, line in zip(names, headers):
        if use_header_recipients and name in RECIPIENT_HEADERS:
            from email.utils import getaddresses  # (10 ms: only for -t)

            found += [a for _, a in getaddresses([line.split(":", 1)[1]]) if a]
        if name in ("bcc", "resent-bcc", "return-path", "content-length"):
            continue
        kept.append(line)
    envelope_sender = sender if sender is not None else default_sender()
    if use_header_recipients:
        recipients = found + recipients
    recipients = [qualify(r) for r in recipients]
    me = control.me() or "me"
    if "date" not in names:
        kept.append(f"Date: {queue.date822()}")
    if "message-id" not in names:
        kept.append(
            f"Message-ID: <{time.strftime('%Y%m%d%H%M%S', time.gmtime())}.{os.getpid()}.qmail@{me}>"
        )
    if "from" not in names:
        kept.append(f"From: {default_sender()}")
    message = ("\n".join(kept) + "\n").encode() + body if kept else body.lstrip(b"\n")
    return message, envelope_sender, recipients
