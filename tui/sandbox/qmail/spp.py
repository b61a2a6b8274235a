"""qmail-spp 0.42 (2020Q2 qmail always has it): plugins qmail-smtpd runs at RCPT.

Reads control/smtpplugins (or $SPPCONFFILE) unless NOSPP is set; each plugin of the
``[rcpt]`` section runs with SMTPRCPTTO, SMTPRCPTHOSTSOK and the counts in its
environment, and its stdout lines steer the reply. Only the ``[rcpt]`` section is
simulated (the other sections' plugins are read and not run).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

from . import control

#: The plugin verdicts spp_rcpt() hands qmail-smtpd.
REFUSED, CHECK_RCPTHOSTS, ACCEPTED = 0, 1, 2
#: A plugin's final command -> verdict (R and D end the session instead).
VERDICTS = {"E": REFUSED, "A": CHECK_RCPTHOSTS, "N": CHECK_RCPTHOSTS, "O": ACCEPTED}


def _sections(lines: list[str]) -> dict[str, list[str]]:
    """Plugins per section, keyed by the letter after ``[`` as spp_init() does."""
    found: dict[str, list[str]] = {}
    current: list[str] = []
    for line in lines:
        if line.startswith("["):
            current = found.setdefault(line[1:2], []) if line[1:2] in "chmrd" else []
        else:
            current.append(line)
    return found


class Plugins:
    """The plugins of one qmail-smtpd process; ``A`` from a plugin ends them all."""

    def __init__(self, rcpt: list[str]):
        self.rcpt_plugins = rcpt
        self.running = True
        self.count = 0
        self.count_all = 0

    @classmethod
    def load(cls) -> Plugins | None:
        """None with NOSPP; OSError when the file is missing (qmail-smtpd's die_control)."""
        if "NOSPP" in os.environ:
            return None
        name = os.environ.get("SPPCONFFILE") or "control/smtpplugins"
        lines = control.readlist(name.removeprefix("control/"))
        if lines is None:
            raise OSError(f"unable to read {name}")
        return cls(_sections(lines).get("r", []))

    def mail(self, addr: str) -> None:
        """spp_mail(): SMTPMAILFROM for later plugins, counts reset."""
        self.count = self.count_all = 0
        if self.running:
            os.environ["SMTPMAILFROM"] = addr

    def rset(self) -> None:
        self.count = self.count_all = 0

    def rcpt(self, addr: str, allowed: bool, out: Callable[[str], None]) -> tuple[int, str]:
        """spp_rcpt(): (verdict, address after ``C`` lines); ``R``/``D`` end the session."""
        self.count_all += 1
        os.environ["SMTPRCPTCOUNT"] = str(self.count)
        os.environ["SMTPRCPTCOUNTALL"] = str(self.count_all)
        os.environ["SMTPRCPTHOSTSOK"] = "1" if allowed else "0"
        if not self.running:
            return CHECK_RCPTHOSTS, addr
        os.environ["SMTPRCPTTO"] = addr
        for plugin in self.rcpt_plugins:
            verdict, addr = self._run(plugin, addr, out)
            if verdict is not None:
                return verdict, addr
        return CHECK_RCPTHOSTS, addr

    def accepted(self) -> None:
        self.count += 1

    def _run(self, plugin: str, addr: str, out: Callable[[str], None]) -> tuple[int | None, str]:
        argv = ["/bin/sh", "-c", plugin[1:]] if plugin.startswith(":") else [plugin]
        try:
            child = subprocess.run(
                argv, check=False, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE
            )
            output, code = child.stdout.decode(errors="replace"), child.returncode
        except OSError:
            output, code = "", 120
        last, addr = self._commands(output, addr, out)
        if code < 0:
            return self._failure(plugin, "child crashed", out), addr
        if code == 120:
            return self._failure(plugin, "can't execute", out), addr
        if last in ("R", "D"):
            sys.exit(0)
        return VERDICTS.get(last), addr

    def _commands(self, output: str, addr: str, out: Callable[[str], None]) -> tuple[str, str]:
        """Act on a plugin's lines up to the first final one: (its command, address)."""
        for chunk in output.splitlines(keepends=True):
            line = chunk[:-1]  # getln's last byte, the newline (or the last char without one)
            cmd, text = line[:1], line[1:]
            if cmd == "C":
                addr = text
                os.environ["SMTPRCPTTO"] = addr
            elif cmd == "S" and "=" in text:
                key, _, value = text.partition("=")
                os.environ[key] = value
            elif cmd == "U":
                os.environ.pop(text, None)
            elif cmd == "P":
                out(text + "\r\n")
            elif cmd and cmd in "ERAOND":
                if cmd in "ER":
                    out(text + "\r\n")
                self.running = self.running and cmd != "A"
                return cmd, addr
        return "", addr

    @staticmethod
    def _failure(plugin: str, why: str, out: Callable[[str], None]) -> int:
        out(f"451 qmail-spp failure: {plugin}: {why} (#4.3.0)\r\n")
        return REFUSED
