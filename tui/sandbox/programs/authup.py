"""authup(8) from qmail-acceptutils 20181228: authup <smtp|pop3> checkpassword prog...

Speaks just enough SMTP (EHLO, STARTTLS, AUTH LOGIN/PLAIN) or POP3 (CAPA, STLS,
USER/PASS) to get a user name and password, then runs checkpassword with
``user\\0password\\0timestamp\\0`` on descriptor 3 and waits for it (and so for prog,
which checkpassword runs as the user on the same descriptors 0/1).  Controls:
{smtp,pop3}greeting (default me), {smtp,pop3}capabilities (required),
timeout{smtp,pop3}d.  Under reup, REUP > 1 suppresses the greeting.  No APOP,
no CRAM-MD5.  Exit 1 (reup tries again) or 12 (permanent), 0 after prog.
"""

from __future__ import annotations

import base64
import binascii
import os
import signal
import sys
import time
from typing import NoReturn

from ..acceptutils import ucspitls
from ..proc import execvp
from ..qmail import control
from ..qmail.control import QMAILDIR

HOMEPAGE = "https://schmonz.com/qmail/acceptutils"
#: name: (text, SMTP code, enhanced code, SMTP sleep, exit status)
ERRORS = {
    "control": ("unable to read controls", "421", "4.3.0", 0, 12),
    "alarm": ("timeout", "451", "4.4.2", 0, 12),
    "pipe": ("unable to open pipe", "454", "4.3.0", 0, 12),
    "read": ("unable to read pipe", "454", "4.3.0", 0, 12),
    "fork": ("unable to fork", "454", "4.3.0", 0, 12),
    "crash": ("aack, child crashed", "454", "4.3.0", 0, 12),
    "badauth": ("authorization failed", "535", "5.7.0", 5, 1),
    "noauth": ("auth type unimplemented", "504", "5.5.1", 5, 1),
    "input": ("malformed auth input", "501", "5.5.4", 5, 1),
    "authabrt": ("auth exchange cancelled", "501", "5.0.0", 5, 1),
    "protocol": ("protocol exchange ended", "501", "5.0.0", 0, 12),
    "starttls": ("TLS temporarily not available", "454", "5.7.3", 0, 1),
    "needtls": ("Must start TLS first", "530", "5.7.0", 0, 1),
}
#: checkpassword's and fixsmtpio's exit codes -> error (anything else: success)
CHILD_EXIT = {1: "badauth", 2: "badauth", 111: "badauth", 16: "alarm", 18: "control"}


class Done(Exception):
    def __init__(self, status: int):
        self.status = status


class Session:
    def __init__(self, protocol: str, childargs: list[str]):
        self.smtp = protocol == "smtp"
        self.childargs = childargs
        self.tls = ucspitls.level()
        self.in_tls = False
        self.buffer = b""
        self.greeting = ""
        self.capabilities = ""
        self.user: str | None = None
        self.stamp = ""

    # output

    def out(self, text: str) -> None:
        data = text.encode("latin-1", "replace")
        while data:
            try:
                data = data[os.write(1, data) :]
            except OSError:
                raise Done(1) from None

    def die(self, name: str) -> NoReturn:
        text, code, enhanced, pause, status = ERRORS[name]
        if self.smtp:
            time.sleep(pause)
            self.out(f"{code} authup {text} (#{enhanced})\r\n")
        else:
            self.out(f"-ERR authup {text}\r\n")
        raise Done(status)

    # input

    def readline(self) -> str:
        while b"\n" not in self.buffer:
            try:
                data = os.read(0, 1024)
            except OSError:
                data = b""
            if not data:
                self.die("read")
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.rstrip(b"\r").decode("latin-1")

    # set-up

    def controls(self) -> None:
        name = "smtp" if self.smtp else "pop3"
        try:
            os.chdir(QMAILDIR)
        except OSError:
            self.die("control")
        greeting = control.with_me(f"{name}greeting")
        capabilities = control.readlist(f"{name}capabilities")
        if greeting is None or capabilities is None:
            self.die("control")
        self.greeting = greeting
        signal.alarm(0)
        self.timeout = control.readint(f"timeout{name}d", 1200)
        if self.smtp:
            lines = [f"250-{c}\r\n" for c in capabilities]
            if lines:
                lines[-1] = "250 " + lines[-1][4:]
            self.capabilities = "".join(lines)
        else:
            self.capabilities = "".join(f"{c}\r\n" for c in capabilities) + ".\r\n"

    def greet(self) -> None:
        reup = os.environ.get("REUP", "")
        if reup.isdigit() and int(reup) > 1:
            return
        if self.smtp:
            self.out(f"220 {self.greeting} ESMTP\r\n")
        else:
            unique = f"{os.getpid()}.{int(time.time())}@"
            self.stamp = f"<{unique}{self.greeting}>"
            self.out(f"+OK {self.stamp}\r\n")

    # checkpassword

    def checkpassword(self, user: str, password: str) -> None:
        os.write(2, f"authup: login attempt by {user}\n".encode(errors="replace"))
        r, w = os.pipe()
        if r != 3:
            os.dup2(r, 3)
            os.close(r)
        pid = os.fork()
        if pid == 0:
            os.close(w)
            os.set_inheritable(3, True)
            os.environ["AUTHUP_USER"] = user
            signal.signal(signal.SIGPIPE, signal.SIG_DFL)
            try:
                execvp(self.childargs)
            except OSError:
                pass
            os._exit(111)
        os.close(3)
        stamp = self.stamp if not self.smtp else ""
        try:
            os.write(w, f"{user}\0{password}\0{stamp}\0".encode("latin-1", "replace"))
        except OSError:
            pass
        os.close(w)
        _, wstat = os.waitpid(pid, 0)
        if os.WIFSIGNALED(wstat):
            self.die("crash")
        code = os.waitstatus_to_exitcode(wstat)
        if code in CHILD_EXIT:
            self.die(CHILD_EXIT[code])
        raise Done(0)

    def starttls(self) -> bool:
        if not ucspitls.start():
            self.die("starttls")
        self.in_tls = True
        self.buffer = b""
        return True

    # SMTP

    def smtp_command(self, verb: str, arg: str) -> None:
        if verb == "starttls":
            if self.tls < ucspitls.AVAILABLE or self.in_tls:
                self.out("502 unimplemented (#5.5.1)\r\n")
                return
            self.out("220 Ready to start TLS (#5.7.0)\r\n")
            self.starttls()
        elif verb == "auth":
            self.smtp_auth(arg)
        elif verb == "quit":
            self.out(f"221 {self.greeting}\r\n")
            raise Done(0)
        elif verb == "helo":
            self.out(f"250 {self.greeting}\r\n")
        elif verb == "ehlo":
            text = f"250-{self.greeting}\r\n"
            if self.tls >= ucspitls.AVAILABLE and not self.in_tls:
                text += "250-STARTTLS\r\n"
            text += "250-AUTH LOGIN PLAIN\r\n"
            if "AUTHUP_SASL_BROKEN_CLIENTS" in os.environ:
                text += "250-AUTH=LOGIN PLAIN\r\n"
            self.out(text + self.capabilities)
        elif verb == "help":
            self.out(f"214 authup home page: {HOMEPAGE}\r\n")
        elif verb == "noop":
            self.out("250 ok\r\n")
        else:
            self.out("530 authup authentication required (#5.7.1)\r\n")

    def authline(self) -> str:
        line = self.readline()
        if line == "*":
            self.die("authabrt")
        if not line:
            self.die("input")
        return line

    def decode(self, text: str) -> bytes:
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            self.die("input")
        return b""

    def smtp_auth(self, arg: str) -> None:
        if self.tls >= ucspitls.REQUIRED and not self.in_tls:
            self.die("needtls")
        mech, _, rest = arg.partition(" ")
        rest = rest.lstrip(" ")
        if mech.lower() == "login":
            if not rest:
                self.out("334 VXNlcm5hbWU6\r\n")
                rest = self.authline()
            user = self.decode(rest)
            self.out("334 UGFzc3dvcmQ6\r\n")
            password = self.decode(self.authline())
        elif mech.lower() == "plain":
            if not rest:
                self.out("334 \r\n")
                rest = self.authline()
            fields = self.decode(rest).split(b"\0")
            user = fields[1] if len(fields) > 1 else b""
            password = fields[2] if len(fields) > 2 else b""
        else:
            self.die("noauth")
        if not user or not password:
            self.die("input")
        self.checkpassword(user.decode("latin-1"), password.decode("latin-1"))

    # POP3

    def pop3_command(self, verb: str, arg: str) -> None:
        if verb == "stls":
            if self.tls < ucspitls.AVAILABLE or self.in_tls:
                self.out("-ERR STLS not available\r\n")
                return
            self.out("+OK starting TLS negotiation\r\n")
            self.starttls()
            self.user = None
        elif verb == "user":
            if self.tls >= ucspitls.REQUIRED and not self.in_tls:
                self.die("needtls")
            if not arg:
                self.out("-ERR authup syntax error\r\n")
                return
            self.out("+OK \r\n")
            self.user = arg
        elif verb == "pass":
            if self.user is None:
                self.out("-ERR authup USER first\r\n")
            elif not arg:
                self.out("-ERR authup syntax error\r\n")
            else:
                self.checkpassword(self.user, arg)
        elif verb == "quit":
            self.out("+OK \r\n")
            raise Done(0)
        elif verb == "capa":
            stls = "STLS\r\n" if self.tls >= ucspitls.AVAILABLE and not self.in_tls else ""
            self.out(f"+OK capability list follows\r\n{stls}USER\r\n{self.capabilities}")
        elif verb == "noop":
            self.out("+OK \r\n")
        else:
            self.out("-ERR authup authorization first\r\n")

    def run(self) -> None:
        self.controls()
        self.greet()
        handle = self.smtp_command if self.smtp else self.pop3_command
        while True:
            signal.alarm(self.timeout)
            line = self.readline()
            signal.alarm(0)
            verb, _, arg = line.partition(" ")
            handle(verb.lower(), arg)


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    if len(argv) < 3 or argv[1].lower() not in ("smtp", "pop3"):
        os.write(2, b"authup: usage: authup <smtp|pop3> prog\n")
        return 1
    session = Session(argv[1].lower(), argv[2:])
    signal.signal(signal.SIGALRM, lambda *_: session.die("alarm"))
    try:
        session.run()
    except Done as done:
        sys.stdout.flush()
        return done.status
    return 12
