"""fixsmtpio(8) from qmail-acceptutils 20181228: fixsmtpio prog -- proxy the SMTP
conversation between the client (descriptors 0/1) and prog, rewriting requests and
responses by control/fixsmtpio, and doing STARTTLS itself under sslserver -n.

On STARTTLS it sends prog ``NOOP fixsmtpio STARTTLS BEGIN ...``, answers
``220 Ready to start TLS (#5.7.0)``, starts TLS (UCSPI-TLS), sets FIXSMTPIOTLS=1,
ends prog (SIGTERM) and starts it again; as in 20181228 the new prog's greeting is
passed on to the client (through the greeting rules).  The timeout event is not
simulated.  Exit status: the last matching rule's exitcode, else prog's.
"""

from __future__ import annotations

import os
import select
import signal
import sys

from ..acceptutils import rules as fr
from ..acceptutils import ucspitls
from ..proc import execvp
from ..qmail import control
from ..qmail.control import QMAILDIR

PARSEFAIL = 18


def die(text: str, status: int = 1) -> int:
    os.write(2, f"fixsmtpio: {text}\n".encode())
    return status


def load_rules() -> list[fr.Rule] | None:
    found = []
    for line in control.readlist("fixsmtpio") or []:
        rule = fr.parse_line(line)
        if rule is None:
            return None
        found.append(rule)
    return found


class Kid:
    """prog on a pair of pipes."""

    def __init__(self, argv: list[str]):
        from_proxy, self.to_server = os.pipe()
        self.from_server, to_proxy = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(self.to_server)
            os.close(self.from_server)
            os.dup2(from_proxy, 0)
            os.dup2(to_proxy, 1)
            try:
                execvp(argv)
            except OSError:
                pass
            os.write(2, b"fixsmtpio: unable to exec\n")
            os._exit(1)
        os.close(from_proxy)
        os.close(to_proxy)

    def stop(self) -> None:
        os.close(self.to_server)
        os.close(self.from_server)
        os.kill(self.pid, signal.SIGTERM)


class Proxy:
    def __init__(self, argv: list[str], rules: list[fr.Rule], greeting: str):
        self.argv = argv
        self.munger = fr.Munger(rules, greeting)
        self.rules = rules
        self.events = ["greeting"]
        self.kid = Kid(argv)
        self.tls = ucspitls.level()
        self.in_tls = self.want_tls = self.want_data = self.in_data = False

    def request(self, line: str) -> str:
        verb = line.split(" ", 1)[0] if " " in line else line.rstrip("\r\n")
        self.events.append(verb)
        prefix = ""
        for rule in self.rules:
            if rule.prepend is not None and rule.applies(verb):
                prefix = rule.prepend + prefix
        if self._need_starttls_first(verb):
            prefix = "NOOP fixsmtpio STARTTLS FIRST " + prefix
        elif verb.lower() == "starttls":
            self.want_tls = True
            what = "BLOCK"
            if self.tls >= ucspitls.AVAILABLE:
                what = "AGAIN" if self.in_tls else "BEGIN"
            prefix = f"NOOP fixsmtpio STARTTLS {what} " + prefix
        elif verb.lower() == "data":
            self.want_data = True
        return prefix + line

    def _need_starttls_first(self, event: str) -> bool:
        free = ("greeting", "timeout", "clienteof", "noop", "ehlo", "starttls", "quit")
        return self.tls >= ucspitls.REQUIRED and not self.in_tls and event.lower() not in free

    def response(self, text: str) -> str:
        event = self.events.pop(0) if self.events else ""
        if event.lower() == "data" and self.want_data:
            self.want_data = False
            if text.startswith("354 "):
                self.events.insert(0, "in_data")
                self.in_data = True
        if event.lower() == "starttls" and self.want_tls:
            if self.tls < ucspitls.AVAILABLE or self.in_tls:
                return "502 unimplemented (#5.5.1)\r\n"
            return "220 Ready to start TLS (#5.7.0)\r\n"
        if self._need_starttls_first(event):
            text = "530 Must start TLS first (#5.7.0)\r\n"
        return self.munger.response(text, event, self.tls, self.in_tls)

    def start_tls(self) -> None:
        if not ucspitls.start():
            sys.exit(die("TLS temporarily not available"))
        os.environ["FIXSMTPIOTLS"] = "1"
        self.kid.stop()
        self.kid = Kid(self.argv)
        self.events.append("greeting")
        self.in_tls = True

    def run(self) -> int:
        requests = responses = b""
        while self.munger.exitcode == fr.EXIT_LATER:
            ready = select.select([0, self.kid.from_server], [], [])[0]
            if 0 in ready:
                data = os.read(0, 4096)
                if not data:
                    self.munger.line(0, requests.decode("latin-1"), "clienteof", self.tls, False)
                    break
                requests += data
                while requests:
                    if self.in_data:
                        if requests.endswith((b"\n.\r\n", b"\n.\n")):
                            self.in_data = False
                        _write(self.kid.to_server, requests)
                        requests = b""
                    elif b"\n" in requests:
                        line, requests = requests.split(b"\n", 1)
                        out = self.request(line.decode("latin-1") + "\n")
                        _write(self.kid.to_server, out.encode("latin-1"))
                    else:
                        break
            if self.kid.from_server in ready:
                data = os.read(self.kid.from_server, 4096)
                if not data:
                    break
                responses += data
                while self.munger.exitcode == fr.EXIT_LATER:
                    one, responses = _one_response(responses)
                    if one is None:
                        break
                    _write(1, self.response(one).encode("latin-1"))
                    if self.want_tls:
                        self.want_tls = False
                        if self.tls >= ucspitls.AVAILABLE and not self.in_tls:
                            self.start_tls()
                            responses = b""
                            break
        return self.finish()

    def finish(self) -> int:
        os.close(self.kid.to_server)
        os.close(self.kid.from_server)
        _, wstat = os.waitpid(self.kid.pid, 0)
        if os.WIFSIGNALED(wstat):
            return die("aack, child crashed")
        if self.munger.exitcode != fr.EXIT_LATER:
            return self.munger.exitcode
        return os.waitstatus_to_exitcode(wstat)


def _one_response(pile: bytes) -> tuple[str | None, bytes]:
    """The first complete response (through a line whose fourth character is a space)."""
    start = 0
    while True:
        end = pile.find(b"\n", start)
        if end < 0:
            return None, pile
        line = pile[start : end + 1]
        if len(line) >= 4 and line[3:4] == b" ":
            return pile[: end + 1].decode("latin-1"), pile[end + 1 :]
        start = end + 1


def _write(fd: int, data: bytes) -> None:
    while data:
        try:
            data = data[os.write(fd, data) :]
        except OSError:
            sys.exit(die("unable to write"))


def main(argv: list[str]) -> int:
    prog = argv[1:]
    if not prog:
        return die("usage: fixsmtpio prog [ arg ... ]")
    if "NOFIXSMTPIO" in os.environ:
        execvp(prog)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    try:
        os.chdir(QMAILDIR)
    except OSError:
        return die("unable to read controls")
    greeting = control.with_me("smtpgreeting")
    if greeting is None:
        return die("unable to read controls")
    rules = load_rules()
    if rules is None:
        return die("unable to parse control/fixsmtpio", PARSEFAIL)
    return Proxy(prog, rules, greeting).run()
