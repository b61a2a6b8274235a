"""Postfix sendmail(1) stand-in (/usr/libexec/postfix/sendmail, reached through
mailwrapper): a message on stdin is posted into /var/spool/postfix/maildrop."""

from __future__ import annotations

import getpass
import os
import secrets
import sys

from .postfix import MAILDROP, log


def main(argv: list[str]) -> int:
    name = os.path.basename(argv[0])
    if name in ("mailq", "newaliases") or "-bp" in argv or "-bi" in argv:
        if name == "mailq" or "-bp" in argv:
            print("Mail queue is empty")
        return 0
    args = [a for a in argv[1:] if not a.startswith("-")]
    if not args and "-t" not in argv:
        print("sendmail: fatal: no recipients specified", file=sys.stderr)
        return 64
    body = sys.stdin.read()
    queue_id = secrets.token_hex(5).upper()
    sender = getpass.getuser()
    path = os.path.join(MAILDROP, queue_id)
    with open(path + ".tmp", "w") as fh:
        fh.write(f"Return-Path: <{sender}>\nX-Original-To: {', '.join(args)}\n{body}")
    os.replace(path + ".tmp", path)
    log("pickup", f"{queue_id}: uid={os.getuid()} from=<{sender}>")
    return 0
