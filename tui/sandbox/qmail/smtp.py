"""qmail-smtpd(8)'s SMTP dialogue (netqmail 1.06 reply texts), on descriptors 0/1.

Also used by ofmipd (no rcpthosts check, OFMIP in the Received line, missing
Date/Message-ID added).
"""

from __future__ import annotations

import os
import signal
import sys
import time

from . import build, control, queue, realrcptto, spp
from .rcpthosts import RcptHosts

MAXHOPS = 100
#: The qmail-realrcptto patch's replies (RCPT; DATA with QMAILRRTDENYALL=1).
REALRCPTTO_RCPT = "550 sorry, no mailbox here by that name. (#5.1.1)\r\n"
REALRCPTTO_DATA = "554 sorry, no mailbox here by that name. (#5.1.1)\r\n"


class Control:
    """The control files qmail-smtpd reads at startup."""

    def __init__(self):
        me = control.me()
        self.greeting = control.readline("smtpgreeting", me)
        if self.greeting is None:
            raise OSError("unable to read controls")
        self.rcpthosts = RcptHosts()
        self.badmailfrom = {a.lower() for a in control.readlist("badmailfrom") or []}
        self.databytes = control.readint("databytes", 0)
        if os.environ.get("DATABYTES", "").isdigit():
            self.databytes = int(os.environ["DATABYTES"])
        self.timeout = control.readint("timeoutsmtpd", 1200)
        self.realrcptto = build.has("qmail-realrcptto")
        self.rrt_denyall = os.environ.get("QMAILRRTDENYALL") == "1"


def addrparse(arg: str) -> str | None:
    """The address of a MAIL/RCPT argument (qmail-smtpd's lenient parser)."""
    terminator = ">"
    i = arg.find("<")
    if i != -1:
        arg = arg[i + 1 :]
    else:
        terminator = " "
        i = arg.find(":")
        arg = arg[i + 1 :] if i != -1 else ""
        arg = arg.lstrip(" ")
    if arg.startswith("@"):
        colon = arg.find(":")
        arg = arg[colon + 1 :] if colon != -1 else ""
    addr, quoted, escaped = [], False, False
    for ch in arg:
        if escaped:
            addr.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == terminator and not quoted:
            break
        else:
            addr.append(ch)
    text = "".join(addr)
    if len(text) > 900:
        return None
    return text


class Session:
    """One SMTP conversation."""

    protocol = "SMTP"
    check_rcpthosts = True

    def __init__(self, ctl: Control, rin=None, rout=None):
        self.ctl = ctl
        self.rin = rin or os.fdopen(0, "rb", buffering=0)
        self.out = rout or os.fdopen(1, "wb", buffering=0)
        self.inbuf = b""
        self.remoteip = os.environ.get("TCPREMOTEIP", "unknown")
        self.local = os.environ.get("TCPLOCALHOST") or os.environ.get("TCPLOCALIP") or "unknown"
        self.remotehost = os.environ.get("TCPREMOTEHOST", "unknown")
        self.remoteinfo = os.environ.get("TCPREMOTEINFO")
        self.relayclient = os.environ.get("RELAYCLIENT")
        self.helohost = self.remotehost
        self.seenmail = False
        self.mailfrom = ""
        self.rcptto: list[str] = []
        self.flagbarf = False
        self.rrt_denied = False
        self.plugins: spp.Plugins | None = None

    # -- I/O ----------------------------------------------------------------------
    def reply(self, text: str) -> None:
        self.out.write(text.encode())

    def die(self, text: str) -> None:
        self.reply(text)
        sys.exit(1)

    def _alarm(self, *_):
        self.die("451 timeout (#4.4.2)\r\n")

    def readline(self) -> bytes | None:
        while b"\n" not in self.inbuf:
            signal.alarm(self.ctl.timeout)
            data = self.rin.read(4096)
            signal.alarm(0)
            if not data:
                return None
            self.inbuf += data
        line, self.inbuf = self.inbuf.split(b"\n", 1)
        return line + b"\n"

    # -- commands -----------------------------------------------------------------
    def greet(self, code: str) -> None:
        self.reply(code + self.ctl.greeting)

    def addrallowed(self, addr: str) -> bool:
        return not self.check_rcpthosts or self.ctl.rcpthosts.allow(addr)

    def bmfcheck(self, addr: str) -> bool:
        lower = addr.lower()
        at = lower.rfind("@")
        return lower in self.ctl.badmailfrom or (at != -1 and lower[at:] in self.ctl.badmailfrom)

    def smtp_helo(self, arg: str) -> None:
        self.seenmail = False
        self.helohost = arg
        self.greet("250 ")
        self.reply("\r\n")

    def smtp_ehlo(self, arg: str) -> None:
        self.seenmail = False
        self.helohost = arg
        self.greet("250-")
        *most, last = self.extensions()
        self.reply("\r\n" + "".join(f"250-{x}\r\n" for x in most) + f"250 {last}\r\n")

    def extensions(self) -> list[str]:
        """The EHLO keywords after the greeting line."""
        return ["PIPELINING", "8BITMIME"]

    def more_commands(self) -> dict:
        """Verbs a patched qmail-smtpd adds (none in netqmail)."""
        return {}

    def smtp_rset(self, arg: str) -> None:
        self.seenmail = False
        if self.plugins:
            self.plugins.rset()
        self.reply("250 flushed\r\n")

    def smtp_mail(self, arg: str) -> None:
        addr = addrparse(arg)
        if addr is None:
            return self.reply("555 syntax error (#5.5.4)\r\n")
        self.flagbarf = self.bmfcheck(addr)
        self.seenmail = True
        self.mailfrom = addr
        self.rcptto = []
        self.rrt_denied = False
        if self.plugins:
            self.plugins.mail(addr)
        self.reply("250 ok\r\n")

    def smtp_rcpt(self, arg: str) -> None:
        if not self.seenmail:
            return self.reply("503 MAIL first (#5.5.1)\r\n")
        addr = addrparse(arg)
        if addr is None:
            return self.reply("555 syntax error (#5.5.4)\r\n")
        if self.flagbarf:
            return self.reply(
                "553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)\r\n"
            )
        allowed = self.relayclient is not None or self.addrallowed(addr)
        verdict = spp.CHECK_RCPTHOSTS
        if self.plugins:
            verdict, addr = self.plugins.rcpt(addr, allowed, self.reply)
            if verdict == spp.REFUSED:
                return None
        if self.relayclient is not None:
            addr += self.relayclient
        elif verdict == spp.CHECK_RCPTHOSTS and not allowed:
            return self.reply(
                "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n"
            )
        if self.ctl.realrcptto and not realrcptto.deliverable(addr):
            self.rrt_denied = True
            if not self.ctl.rrt_denyall:
                return self.reply(REALRCPTTO_RCPT)
        if self.plugins:
            self.plugins.accepted()
        self.rcptto.append(addr)
        self.reply("250 ok\r\n")

    def received(self) -> bytes:
        helo = f" (HELO {self.helohost})" if self.helohost != self.remotehost else ""
        info = f"{self.remoteinfo}@" if self.remoteinfo else ""
        return (
            f"Received: from {self.remotehost}{helo} ({info}{self.remoteip})\n"
            f"  by {self.local} with {self.protocol}; {queue.date822()}\n"
        ).encode()

    def headers_to_add(self, header: bytes) -> bytes:
        return b""

    def blast(self, qq: queue.QQ, limit: int) -> tuple[int, int]:
        """Copy the DATA section into the queue: (hops, bytes left before overflow)."""
        hops, in_header, header = 0, True, b""
        remaining = limit
        while True:
            line = self.readline()
            if line is None:
                sys.exit(1)
            if not line.endswith(b"\r\n"):
                self.die("451 See http://pobox.com/~djb/docs/smtplf.html.\r\n")
            line = line[:-2]
            if line == b".":
                break
            if line.startswith(b"."):
                line = line[1:]
            if in_header:
                if not line:
                    in_header = False
                    qq.put(self.headers_to_add(header))
                else:
                    header += line + b"\n"
                    lower = line.lower()
                    if lower.startswith(b"received:") or lower.startswith(b"delivered-to:"):
                        hops += 1
            data = line + b"\n"
            if limit:
                remaining = max(0, remaining - len(data))
                if not remaining:
                    qq.fail()
            qq.put(data)
        if in_header:
            qq.put(self.headers_to_add(header))
        return hops, remaining

    def smtp_data(self, arg: str) -> None:
        if not self.seenmail:
            return self.reply("503 MAIL first (#5.5.1)\r\n")
        if not self.rcptto:
            return self.reply("503 RCPT first (#5.5.1)\r\n")
        if self.ctl.rrt_denyall and self.rrt_denied:
            return self.reply(REALRCPTTO_DATA)
        self.seenmail = False
        try:
            qq = queue.QQ()
        except OSError:
            return self.reply("451 qqt failure (#4.3.0)\r\n")
        self.reply("354 go ahead\r\n")
        qq.put(self.received())
        limit = self.ctl.databytes + 1 if self.ctl.databytes else 0
        hops, remaining = self.blast(qq, limit)
        toomany = hops >= MAXHOPS
        if toomany:
            qq.fail()
        status = qq.close(self.mailfrom, self.rcptto)
        text = queue.qq_text(status)
        if not text:
            return self.reply(f"250 ok {int(time.time())} qp {qq.pid}\r\n")
        if toomany:
            return self.reply("554 too many hops, this message is looping (#5.4.6)\r\n")
        if limit and not remaining:
            return self.reply(
                "552 sorry, that message size exceeds my databytes limit (#5.3.4)\r\n"
            )
        self.reply(("554 " if text[0] == "D" else "451 ") + text[1:] + "\r\n")

    def run(self) -> int:
        signal.signal(signal.SIGALRM, self._alarm)
        self.greet("220 ")
        self.reply(" ESMTP\r\n")
        commands = {
            "helo": self.smtp_helo,
            "ehlo": self.smtp_ehlo,
            "rset": self.smtp_rset,
            "mail": self.smtp_mail,
            "rcpt": self.smtp_rcpt,
            "data": self.smtp_data,
            **self.more_commands(),
        }
        while True:
            raw = self.readline()
            if raw is None:
                return 0
            line = raw.rstrip(b"\r\n").decode("latin-1")
            verb, _, arg = line.partition(" ")
            verb = verb.lower()
            if verb == "quit":
                self.greet("221 ")
                self.reply("\r\n")
                return 0
            if verb in commands:
                commands[verb](arg)
            elif verb == "noop":
                self.reply("250 ok\r\n")
            elif verb == "vrfy":
                self.reply("252 send some mail, i'll try my best\r\n")
            elif verb == "help":
                self.reply("214 netqmail home page: http://qmail.org/netqmail\r\n")
            else:
                self.reply("502 unimplemented (#5.5.1)\r\n")
