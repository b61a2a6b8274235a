"""Postfix smtpd(8) stand-in: one SMTP session on stdin/stdout (the connection master
accepted); accepted mail is dropped into /var/spool/postfix/maildrop."""

from __future__ import annotations

import os
import secrets
import socket
import time

from .postfix import MAILDROP, log, main_cf

TIMEOUT = 300


def _address(text: str) -> str:
    """The address of a MAIL FROM:/RCPT TO: argument, without <> and ESMTP parameters."""
    text = text.strip()
    if text.startswith("<"):
        return text[1:].partition(">")[0]
    return text.split()[0] if text else ""


class Session:
    def __init__(self, conn: socket.socket, hostname: str):
        self.conn = conn
        self.rfile = conn.makefile("rb")
        self.hostname = hostname
        ip = conn.getpeername()[0]
        self.client = f"{'localhost' if ip.startswith('127.') else 'unknown'}[{ip}]"
        self.reset()

    def reset(self) -> None:
        self.sender: str | None = None
        self.recipients: list[str] = []
        self.queue_id: str | None = None

    def reply(self, text: str) -> None:
        self.conn.sendall(text.replace("\n", "\r\n").encode() + b"\r\n")

    def readline(self) -> str | None:
        line = self.rfile.readline(4096)
        return line.decode("utf-8", "replace").rstrip("\r\n") if line else None

    def data(self) -> None:
        self.reply("354 End data with <CR><LF>.<CR><LF>")
        lines: list[str] = []
        while (line := self.readline()) is not None and line != ".":
            lines.append(line[1:] if line.startswith("..") else line)
        body = "\n".join(lines) + "\n"
        assert self.queue_id is not None  # the first RCPT set it
        path = os.path.join(MAILDROP, self.queue_id)
        with open(path + ".tmp", "w") as fh:
            fh.write(f"Return-Path: <{self.sender}>\n")
            fh.write(f"X-Original-To: {', '.join(self.recipients)}\n")
            fh.write(body)
        os.replace(path + ".tmp", path)
        message_id = next(
            (h.split(":", 1)[1].strip() for h in lines if h.lower().startswith("message-id:")),
            f"<{time.strftime('%Y%m%d%H%M%S')}.{self.queue_id}@{self.hostname}>",
        )
        log("cleanup", f"{self.queue_id}: message-id={message_id}")
        log(
            "qmgr",
            f"{self.queue_id}: from=<{self.sender}>, size={len(body)}, "
            f"nrcpt={len(self.recipients)} (queue active)",
        )
        self.reply(f"250 2.0.0 Ok: queued as {self.queue_id}")
        self.reset()

    def run(self) -> None:
        log("smtpd", f"connect from {self.client}")
        self.reply(f"220 {self.hostname} ESMTP Postfix")
        while (line := self.readline()) is not None:
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                self.reply(
                    f"250-{self.hostname}\n250-PIPELINING\n250-SIZE 10240000\n"
                    "250-VRFY\n250-ETRN\n250-ENHANCEDSTATUSCODES\n250-8BITMIME\n"
                    "250 DSN"
                )
            elif verb == "HELO":
                self.reply(f"250 {self.hostname}")
            elif verb == "MAIL" and arg.upper().startswith("FROM:"):
                if self.sender is not None:
                    self.reply("503 5.5.1 Error: nested MAIL command")
                else:
                    self.sender = _address(arg[5:])
                    self.reply("250 2.1.0 Ok")
            elif verb == "RCPT" and arg.upper().startswith("TO:"):
                if self.sender is None:
                    self.reply("503 5.5.1 Error: need MAIL command")
                    continue
                if self.queue_id is None:
                    self.queue_id = secrets.token_hex(5).upper()
                    log("smtpd", f"{self.queue_id}: client={self.client}")
                self.recipients.append(_address(arg[3:]))
                self.reply("250 2.1.5 Ok")
            elif verb == "DATA":
                if not self.recipients:
                    self.reply("503 5.5.1 Error: need RCPT command")
                else:
                    self.data()
            elif verb == "RSET":
                self.reset()
                self.reply("250 2.0.0 Ok")
            elif verb == "NOOP":
                self.reply("250 2.0.0 Ok")
            elif verb == "VRFY":
                self.reply(f"252 2.0.0 {arg.strip()}")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Bye")
                break
            else:
                self.reply("502 5.5.2 Error: command not recognized")
        log("smtpd", f"disconnect from {self.client}")


def main(argv: list[str]) -> int:
    conn = socket.socket(fileno=os.dup(0))
    conn.settimeout(TIMEOUT)
    hostname = main_cf().get("myhostname") or socket.gethostname()
    session = Session(conn, hostname)
    try:
        session.run()
    except socket.timeout:
        session.reply(f"421 4.4.2 {hostname} Error: timeout exceeded")
        log("smtpd", f"timeout after {session.client}")
    except (ConnectionError, OSError):
        log("smtpd", f"lost connection from {session.client}")
    return 0
