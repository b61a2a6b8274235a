"""fixsmtpio's filter rules (control/fixsmtpio) and how they rewrite server responses.

A rule is ``[env]:event:[request-prepend]:response-line-glob:[exitcode]:[response]``;
the response is the rest of the line and may contain ``:``.  Each response line is
matched (fnmatch, the CRLF included) against every rule that applies to the event,
in order; ``&fixsmtpio_fixup`` runs the event's built-in fixup, ``&fixsmtpio_noop``
keeps the line, an empty response removes it.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections import namedtuple

from . import ucspitls

HOMEPAGE = "https://schmonz.com/qmail/acceptutils"
FIXUP = "&fixsmtpio_fixup"
NOCHANGE = "&fixsmtpio_noop"
EXIT_LATER = -1


class Rule(namedtuple("Rule", "env event prepend glob exitcode response")):
    __slots__ = ()
    env: str | None
    event: str
    prepend: str | None
    glob: str
    exitcode: int
    response: str

    def applies(self, event: str) -> bool:
        if not event or self.event.lower() != event.lower():
            return False
        return self.env is None or self.env == "" or self.env in os.environ


def parse_line(line: str) -> Rule | None:
    """parse_control_line(): the rule, or None if the line is not a valid rule."""
    fields = line.split(":", 5)
    if len(fields) < 6:
        return None
    env, event, prepend, glob, code, response = (f or None for f in fields)
    if not event or not glob:
        return None
    exitcode = EXIT_LATER
    if code is not None:
        exitcode = int(code) if code.isdigit() else 777
        if exitcode > 255:
            return None
    if response is not None:
        if event.lower() == "clienteof":
            return None
        if response == FIXUP and event.lower() not in FIXUPS:
            return None
        if response.startswith("&fixsmtpio") and response not in (FIXUP, NOCHANGE):
            return None
    return Rule(env, event, prepend, glob, exitcode, response or "")


def _greeting(line: str, lineno: int, greeting: str, tls: int, in_tls: bool) -> str:
    return f"220 {greeting} ESMTP"


def _helo(line: str, lineno: int, greeting: str, tls: int, in_tls: bool) -> str:
    return f"250 {greeting}"


def _is_starttls(line: str) -> bool:
    return line.startswith(("250-STARTTLS\r\n", "250 STARTTLS\r\n"))


def _ehlo(line: str, lineno: int, greeting: str, tls: int, in_tls: bool) -> str:
    if lineno == 0:
        return _helo(line, lineno, greeting, tls, in_tls)
    if _is_starttls(line):
        line = ""
    offer = tls >= ucspitls.AVAILABLE and not in_tls and "AUTHUP_USER" not in os.environ
    if lineno == 1 and offer:
        line = "250-STARTTLS\r\n" + line
    return line


def _help(line: str, lineno: int, greeting: str, tls: int, in_tls: bool) -> str:
    return f"214 fixsmtpio home page: {HOMEPAGE}\r\n" + line


def _quit(line: str, lineno: int, greeting: str, tls: int, in_tls: bool) -> str:
    return f"221 {greeting}"


FIXUPS = {"greeting": _greeting, "ehlo": _ehlo, "helo": _helo, "help": _help, "quit": _quit}


class Munger:
    """munge_response(): the rules applied to one server response."""

    def __init__(self, rules: list[Rule], greeting: str):
        self.rules = rules
        self.greeting = greeting
        self.exitcode = EXIT_LATER

    def line(self, lineno: int, line: str, event: str, tls: int, in_tls: bool) -> str:
        original = line
        for rule in self.rules:
            if not rule.applies(event) or not _glob(rule.glob, original):
                continue
            if rule.exitcode != EXIT_LATER:
                self.exitcode = rule.exitcode
            if rule.response == FIXUP:
                line = FIXUPS[event.lower()](line, lineno, self.greeting, tls, in_tls)
            elif rule.response != NOCHANGE:
                line = rule.response
        if line and not line.endswith("\n"):
            line += "\r\n"
        return line

    def response(self, response: str, event: str, tls: int, in_tls: bool) -> str:
        lines = response.splitlines(keepends=True)
        munged = "".join(self.line(n, text, event, tls, in_tls) for n, text in enumerate(lines))
        return _reformat(munged) if munged else ""


def _glob(pattern: str, text: str) -> bool:
    """fnmatch(3) without flags: ``*`` also matches the line's CRLF."""
    return re.fullmatch(fnmatch.translate(pattern), text, re.DOTALL) is not None


def _reformat(multiline: str) -> str:
    """Every line's fourth character becomes '-', the last line's a space."""
    lines = multiline.split("\n")
    fixed = [ln[:3] + "-" + ln[4:] if len(ln) > 3 else ln for ln in lines]
    last = len(fixed) - 2 if multiline.endswith("\n") else len(fixed) - 1
    if last >= 0 and len(fixed[last]) > 3:
        fixed[last] = fixed[last][:3] + " " + fixed[last][4:]
    return "\n".join(fixed)
