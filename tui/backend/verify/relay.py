"""verify's relay checks: rcpthosts, the tcp.smtp rules, and a live relay attempt
from a client that must not relay."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..facts import CONTROL
from ..files import control, tcprules
from .config import control_me, smtp_address
from .report import Check
from .rules import everyone_lines, non_relay_client, own_addresses
from .smtp import OUTSIDE_RCPT, relay_attempt

if TYPE_CHECKING:
    from .checks import Verifier


def rcpthosts(v: Verifier) -> Check:
    path, title = f"{CONTROL}/rcpthosts", "rcpthosts lists this host's domains"
    if not (v.smtpd or v.rc.yes("qmailofmipd")):
        return Check("rcpthosts", title, True, "skipped: no SMTP listener is enabled")
    text = v.state.text(path)
    example = control_me(v.state) or "example.org"
    fix = f"put your domains in {path}, one per line (e.g. echo {example} >> {path})"
    if text is None:
        return Check(
            "rcpthosts",
            title,
            False,
            f"{path} is missing: qmail-smtpd accepts mail for any domain, an open relay",
            fix,
        )
    domains = control.lines(text)
    if not domains:
        return Check(
            "rcpthosts",
            title,
            False,
            f"{path} is empty: qmail-smtpd refuses "
            "every recipient from outside, so no mail for your domains arrives",
            fix,
        )
    return Check("rcpthosts", title, True, f"{len(domains)} domains: {', '.join(domains)}")


def relay_rules(v: Verifier) -> Check:
    title, source = "no tcp.smtp rule lets everyone relay", v.rules_path
    if not v.smtpd:
        return Check("relay-rules", title, True, "skipped: qmailsmtpd is not enabled")
    text = v.state.text(source)
    cdb = "/etc/rc.d/qmailsmtpd cdb"
    if text is None:
        return Check(
            "relay-rules",
            title,
            False,
            f"{source} is missing",
            f'create {source} with 127.:allow,RELAYCLIENT="" and :allow, then run {cdb}',
        )
    everyone = everyone_lines(text)
    if everyone:
        number, row = everyone[0]
        return Check(
            "relay-rules",
            title,
            False,
            f"{source} line {number} ({row.strip()}) grants RELAYCLIENT to every "
            "client: anyone can relay mail through this host (open relay)",
            f"delete line {number} from {source} (keep RELAYCLIENT for your own "
            f'networks only, e.g. 127.:allow,RELAYCLIENT=""), then run {cdb}',
        )
    try:
        relays = [r.address for r in tcprules.parse(text) if tcprules.RELAY in r.env]
    except tcprules.RulesError as exc:
        return Check(
            "relay-rules",
            title,
            False,
            f"{source}: {exc}",
            f"correct that line of {source}, then run {cdb}",
        )
    if not v.state.cdbs.get(v.cdb_path, False):
        missing = v.cdb_path not in v.state.cdbs
        return Check(
            "relay-rules",
            title,
            False,
            f"{v.cdb_path} is "
            f"{'missing' if missing else 'older than ' + source}: the rules in "
            "force are not the ones in the file",
            f"run {cdb}",
        )
    return Check(
        "relay-rules",
        title,
        True,
        f"RELAYCLIENT only for {', '.join(repr(a) for a in relays) or 'no client'} ({source})",
    )


def relay_refused(v: Verifier, rcpthosts: Check, rules: Check) -> Check:
    title = "relay refused for a non-relay client"
    if not v.smtpd:
        return Check("relay-refused", title, True, "skipped: qmailsmtpd is not enabled")
    source, why = live_relay_source(v)
    if source:
        address, port = smtp_address(v.host, v.state)
        try:
            code, reply = relay_attempt(v.host, address, port, source)
        except OSError as exc:
            why = f"connecting from {source} to {address}:{port} failed ({exc})"
        else:
            said = reply.replace("\n", " ")
            if 500 <= code < 600:
                return Check(
                    "relay-refused",
                    title,
                    True,
                    f"from {source}, RCPT TO:<{OUTSIDE_RCPT}> was refused: {said}",
                )
            return Check(
                "relay-refused",
                title,
                False,
                f"OPEN RELAY: from {source}, a client that must not "
                f"relay, {address}:{port} answered RCPT "
                f"TO:<{OUTSIDE_RCPT}> with {said!r}",
                f"list only your domains in {CONTROL}/rcpthosts, remove "
                f"RELAYCLIENT from broad rules in {v.rules_path}, then run "
                "/etc/rc.d/qmailsmtpd cdb",
            )
    static = f"only the static check was done: the live relay attempt was not tried ({why})"
    for check in (rcpthosts, rules):
        if not check.ok:
            return Check("relay-refused", title, False, f"{static}: {check.detail}", check.fix)
    return Check("relay-refused", title, True, f"{static}: rcpthosts is set and {rules.detail}")


def live_relay_source(v: Verifier) -> tuple[str, str]:
    """(the address of this host a live relay attempt on qmailsmtpd comes from, "")
    or ("", why none can be tried)."""
    if not v.pids("qmailsmtpd"):
        return "", "qmailsmtpd is not running"
    return non_relay_source(v, v.rules_path)


def non_relay_source(v: Verifier, rules_path: str) -> tuple[str, str]:
    """(the first of this host's own addresses that ``rules_path`` lets connect
    without RELAYCLIENT, "") or ("", why there is none)."""
    try:
        return non_relay_client(v.state.text(rules_path) or "", own_addresses(v.state))
    except tcprules.RulesError:
        return "", f"{rules_path} cannot be parsed"
