"""Which local client address a listener under ``sslserver -n`` offers STARTTLS to.

2020Q2's qmail-acceptutils (fixsmtpio, authup) offer STARTTLS/STLS only when the
client's tcprules rule sets ``UCSPITLS`` (not ``-``); qmail-run's tcprules-smtp gives
it to everyone but 127. (which relays instead), tcprules-pop3/-ofmip require it
(``!``).  2017Q1's tls patch offers STARTTLS in qmail-smtpd to every client.  verify
connects from a client whose rule gives TLS, and says which rule line withholds it
when no local address has one.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..files import tcprules
from ..hosts import Host
from ..hoststate import HostState
from . import features
from .rules import numbered, own_addresses, rule_line


@dataclass(frozen=True)
class TlsClient:
    """Where verify talks to ``service`` from, as far as TLS goes."""

    service: str
    source: str  # the client address to connect from; "" = any (the server decides)
    rules_path: str  # "" when the era's server ignores UCSPITLS
    withheld: str  # when no local address gets TLS: the rule lines that withhold it
    lines: tuple[int, ...]  # their line numbers
    everyone: str  # the rule for every other client, when it gives TLS ('' if not)

    @property
    def blocked(self) -> bool:
        return bool(self.withheld)

    def fix(self) -> str:
        """How to let the local clients have TLS too."""
        where = ", ".join(map(str, self.lines))
        change = (
            f'add ,UCSPITLS="" to line {where} of {self.rules_path}'
            if self.lines
            else f'add the rule :allow,UCSPITLS="" to {self.rules_path}'
        )
        return f"{change}, then /etc/rc.d/{self.service} cdb"


def rules_path(host: Host, state: HostState, service: str) -> str:
    """The tcprules source the service's rc.d script compiles (``<service>_tcprules``)."""
    if service == "qmailsmtpd":
        return state.rules_paths()[0]
    return features.knob(host, state, service, "tcprules")


def pick(host: Host, state: HostState, service: str, prefer: str = "") -> TlsClient:
    """The local client address to talk to ``service`` from: ``prefer`` (or the first
    of this host's own addresses) when its rule gives TLS or the era does not ask
    the rules."""
    if state.era() == "2017Q1":
        return TlsClient(service, prefer, "", "", (), "")
    path = rules_path(host, state, service)
    text = state.text(path) if path else None
    if text is None and path and host.exists(path):
        text = host.read_text(path)
    if text is None:  # no rules file: no client gets UCSPITLS
        return TlsClient(service, prefer, path, f"{path} is missing", (), "")
    candidates = [prefer] if prefer else []
    candidates += [c for c in own_addresses(state) if c != prefer]
    try:
        found = {client: rule_line(text, client) for client in candidates}
        everyone = next(((n, r) for n, r in numbered(text) if r.address == ""), None)
    except tcprules.RulesError:
        return TlsClient(service, prefer, path, "", (), "")  # relay-rules names the line
    for client, hit in found.items():
        if hit and tcprules.offers_tls(hit[1]):
            return TlsClient(service, client, path, "", (), "")
    who: dict[int, list[str]] = {}
    rows: dict[int, str] = {}
    for client, hit in found.items():
        if hit:
            who.setdefault(hit[0], []).append(client)
            rows[hit[0]] = tcprules.render_rule(hit[1])
    said = "; ".join(
        f"line {n} ('{rows[n]}') for {' and '.join(names)}" for n, names in sorted(who.items())
    )
    open_to = ""
    if everyone and tcprules.offers_tls(everyone[1]):
        open_to = f"line {everyone[0]} ('{tcprules.render_rule(everyone[1])}')"
    withheld = said or f"no rule for {' or '.join(candidates)}"
    return TlsClient(service, prefer, path, withheld, tuple(sorted(who)), open_to)
