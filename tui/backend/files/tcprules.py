"""tcprules(1) source files (``tcp.smtp``, ``control/tcprules/smtp``).

A rule is ``address:allow`` or ``address:deny``, then ``,VAR="value"`` settings (any
character may quote a value).  Lines starting with ``#`` and lines without a rule
colon are skipped, as tcprules does.  Of several rules for one address tcpserver uses
the first.  A rule setting ``RELAYCLIENT`` lets its clients relay (qmail-smtpd(8)); one
setting ``UCSPITLS`` (not ``-``) lets fixsmtpio/authup under ``sslserver -n`` offer
STARTTLS (``!``: require it; qmail-acceptutils, the 2020Q2 era).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .text import rows as text_rows

RELAY = "RELAYCLIENT"
TLS = "UCSPITLS"


class Rule(NamedTuple):
    address: str
    action: str  # "allow" or "deny"
    env: dict


class RulesError(ValueError):
    """A line tcprules would reject."""


def parse(text: str) -> list[Rule]:
    """The rules in order; RulesError names the first line tcprules cannot parse."""
    return [rule for _, rule in _rows(text) if rule]


def grants_everyone(rule: Rule) -> bool:
    """True for a rule that lets any client relay: the catch-all address (``""``), every
    client with a DNS name (``"="``) or every IPv4 address (``0-255.``)."""
    if rule.action != "allow" or RELAY not in rule.env:
        return False
    span = re.fullmatch(r"0-(\d+)\.", rule.address)
    return rule.address in ("", "=") or bool(span and int(span.group(1)) >= 255)


def offers_tls(rule: Rule | None) -> bool:
    """True when the rule lets its clients have STARTTLS (UCSPITLS set, not ``-``, and
    no DISABLETLS), as acceptutils' ucspitls reads the environment."""
    if rule is None or rule.action != "allow" or "DISABLETLS" in rule.env:
        return False
    return rule.env.get(TLS, "-") != "-"


def relay_everyone(text: str) -> bool:
    """True when any rule grants relaying to everyone (DESIGN §8 refuses it)."""
    return any(grants_everyone(rule) for rule in parse(text))


def render_rule(rule: Rule) -> str:
    """A rule as one line (without newline)."""
    settings = []
    for name, value in rule.env.items():
        quote = next(q for q in "\"'/|!%^~" if q not in value)
        settings.append(f",{name}={quote}{value}{quote}")
    return f"{rule.address}:{rule.action}" + "".join(settings)


def render(relay_from: list[str], old_text: str = "", starttls: bool = False) -> str:
    """Rules that let exactly the ``relay_from`` prefixes relay.

    A prefix's existing first rule keeps its line when it relays already; an
    ``allow`` without RELAYCLIENT gains ``,RELAYCLIENT=""``; a ``deny`` becomes the
    relay rule.  Relay rules of other addresses lose RELAYCLIENT (the line goes when
    nothing else is left).  Missing prefixes get ``<prefix>:allow,RELAYCLIENT=""``
    after the last relay rule (or before the first rule); a final ``:allow`` is added
    when no rule covers the empty address.  With ``starttls`` (sslserver -n) the
    empty address's first ``allow`` rule gains ``,UCSPITLS=""`` when it offers no TLS.
    Every other line stays as it is."""
    _check_prefixes(relay_from)
    wanted = list(dict.fromkeys(relay_from))
    out, seen, anchor, first_rule, everyone = [], set(), None, None, False
    for row, rule in _rows(old_text):
        if rule is None:
            out.append(row)
            continue
        line = row.rstrip("\n")
        if rule.address in wanted and rule.address not in seen:
            seen.add(rule.address)
            if rule.action == "deny":
                line = render_rule(Rule(rule.address, "allow", {RELAY: ""}))
            elif RELAY not in rule.env:
                line = render_rule(rule._replace(env={**rule.env, RELAY: ""}))
        elif rule.action == "allow" and RELAY in rule.env and rule.address not in wanted:
            env = {k: v for k, v in rule.env.items() if k != RELAY}
            if not env:
                continue
            line = render_rule(rule._replace(env=env))
        if starttls and rule.address == "" and not everyone:
            everyone = True
            line = _with_tls(line)
        if first_rule is None:
            first_rule = len(out)
        out.append(row if line == row.rstrip("\n") else line + "\n")
        if rule.address in wanted:
            anchor = len(out)
    new = [render_rule(Rule(p, "allow", {RELAY: ""})) + "\n" for p in wanted if p not in seen]
    at = anchor if anchor is not None else first_rule if first_rule is not None else len(out)
    if new and at == len(out):
        out = _terminated(out)
    out = out[:at] + new + out[at:]
    if not any(rule.address == "" for rule in parse("".join(out))):
        out = _terminated(out) + [':allow,UCSPITLS=""\n' if starttls else ":allow\n"]
    return "".join(out)


def _check_prefixes(relay_from: list[str]) -> None:
    for prefix in relay_from:
        if grants_everyone(Rule(prefix, "allow", {RELAY: ""})):
            raise ValueError(
                f"tcprules: refusing relay prefix {prefix!r}: it lets every "
                "client relay (an open relay)"
            )
        if any(c.isspace() for c in prefix) or prefix.startswith("#") or "," in prefix:
            raise ValueError(f"tcprules: {prefix!r} is not an address prefix")


def _with_tls(line: str) -> str:
    """An ``allow`` line that offers no STARTTLS, with ``UCSPITLS=""`` (DISABLETLS gone)."""
    rule = parse(line)[0]
    if rule.action != "allow" or offers_tls(rule):
        return line
    env = {k: v for k, v in rule.env.items() if k not in (TLS, "DISABLETLS")}
    return render_rule(rule._replace(env={**env, TLS: ""}))


def _terminated(rows: list[str]) -> list[str]:
    if rows and not rows[-1].endswith("\n"):
        rows = rows[:-1] + [rows[-1] + "\n"]
    return rows


def _rows(text: str) -> list[tuple[str, Rule | None]]:
    rows = []
    for number, row in enumerate(text_rows(text), 1):
        try:
            rows.append((row, _parse_line(row)))
        except RulesError:
            raise RulesError(
                f"line {number}: tcprules cannot parse {row.rstrip()!r}: "
                'expected address:allow or address:deny, then ,VAR="value" '
                "settings"
            ) from None
    return rows


def _parse_line(row: str) -> Rule | None:
    if row.startswith("#"):
        return None
    line = row.rstrip(" \t\n")
    colon = 0
    while True:
        colon = line.find(":", colon)
        if colon == -1:
            return None
        if line.startswith(("deny", "allow"), colon + 1):
            break
        colon += 1
    address, rest = line[:colon], line[colon + 1 :]
    action = "deny" if rest.startswith("deny") else "allow"
    rest = rest[len(action) :]
    env = {}
    while rest:
        eq = rest.find("=")
        if rest[0] != "," or eq == -1 or eq + 1 >= len(rest):
            raise RulesError(line)
        quote = rest[eq + 1]
        end = rest.find(quote, eq + 2)
        if end == -1:
            raise RulesError(line)
        env[rest[1:eq]] = rest[eq + 2 : end]
        rest = rest[end + 1 :]
    return Rule(address, action, env)
