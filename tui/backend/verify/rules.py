"""Which tcp.smtp rule tcpserver applies to a client, rules that let anyone relay, and
which of this host's own addresses verify can connect from as a non-relay client."""

from __future__ import annotations

from ..files import tcprules
from ..files.text import lines as text_lines
from ..hoststate import HostState

#: the address NetBSD's rc.d/network gives lo0 on every host (its only 127 address:
#: the rest of 127/8 is rejected unless an admin adds it as an alias)
LOOPBACK = "127.0.0.1"


def own_addresses(state: HostState) -> list[str]:
    """The addresses verify can connect from: the host's IPv4 addresses as the probe's
    ``ifconfig -a`` showed them (lo0's 127.0.0.1 when it could not be read)."""
    return list(state.addresses or [LOOPBACK])


def non_relay_client(text: str, addresses: list[str]) -> tuple[str, str]:
    """(the first of ``addresses`` whose rule in tcprules ``text`` is allowed without
    RELAYCLIENT (or grants it to everyone: an open relay to show), "") or ("", why none
    is); RulesError for a line tcprules rejects."""
    rules, reasons = tcprules.parse(text), []
    for address in addresses:
        rule = rule_for(rules, address)
        if rule is None or (
            rule.action == "allow"
            and (tcprules.RELAY not in rule.env or tcprules.grants_everyone(rule))
        ):
            return address, ""
        said = "is denied" if rule.action == "deny" else "may relay"
        reasons.append(f"{address} {said} by the rule '{tcprules.render_rule(rule)}'")
    every = "every address of this host"
    if all(" may relay " in r for r in reasons):
        return "", f"{every} may relay ({'; '.join(reasons)})"
    return "", f"{every} may relay or is denied ({'; '.join(reasons)})"


def _address_matches(rule_address: str, key: str) -> bool:
    """``key`` is one of tcpserver's lookups; ranges (``1.2.3.4-9``) as tcprules expands."""
    if rule_address == key:
        return True
    parts, wanted = rule_address.split("."), key.split(".")
    if len(parts) != len(wanted) or not any("-" in p for p in parts):
        return False
    for part, value in zip(parts, wanted):
        low, dash, high = part.partition("-")
        if dash and low.isdigit() and high.isdigit() and value.isdigit():
            if not int(low) <= int(value) <= int(high):
                return False
        elif part != value:
            return False
    return True


def rule_for(rules: list[tcprules.Rule], ip: str) -> tcprules.Rule | None:
    """The rule tcpserver applies to client ``ip``: the longest matching prefix first,
    of equal rules the first in the file."""
    octets = ip.split(".")
    keys = [ip] + [".".join(octets[:n]) + "." for n in (3, 2, 1)] + [""]
    for key in keys:
        for rule in rules:
            if _address_matches(rule.address, key):
                return rule
    return None


def numbered(text: str) -> list[tuple[int, tcprules.Rule]]:
    """(line number, rule) of each rule line; RulesError for a line tcprules rejects."""
    found = []
    for number, row in enumerate(text_lines(text), 1):
        rules = tcprules.parse(row)
        if rules:
            found.append((number, rules[0]))
    return found


def rule_line(text: str, ip: str) -> tuple[int, tcprules.Rule] | None:
    """(line number, rule) of the rule tcpserver applies to client ``ip``."""
    rows = numbered(text)
    rule = rule_for([r for _, r in rows], ip)
    return next(((n, r) for n, r in rows if r is rule), None)


def everyone_lines(text: str) -> list[tuple[int, str]]:
    """(number, line) of each rule that grants RELAYCLIENT to every client."""
    found = []
    for number, row in enumerate(text_lines(text), 1):
        try:
            rules = tcprules.parse(row)
        except tcprules.RulesError:
            continue
        if rules and tcprules.grants_everyone(rules[0]):
            found.append((number, row))
    return found
