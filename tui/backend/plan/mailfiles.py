"""The files qmail reads: control files, the system aliases, and tcp.smtp (+ its cdb)."""

from __future__ import annotations

import re

from ..facts import ALIAS_DIR, CONTROL, SERVICES
from ..files import alias, control, tcprules
from ..hoststate import HostState
from ..profile.features import smtpd_patch_era
from ..profile.model import Profile, alias_targets
from ..steps import Step, WriteFile
from .features import compile_rules, feature_texts

#: the concurrency limits qmail-run's INSTALL creates when missing (facts §5.2); an
#: install interrupted in its POST-INSTALL lacks them, so the plan writes them too
CONCURRENCY = ("concurrencyincoming", "concurrencypop3")


def _write_if_changed(step: Step, state: HostState, path: str, new: str, mode: int = 0o644) -> bool:
    old = state.text(path)
    if old == new:
        return False
    step.actions.append(WriteFile(path, old, new, mode))
    return True


def control_texts(profile: Profile, state: HostState) -> dict[str, str]:
    """The control files the profile wants, by name."""
    mail = profile.mail

    def old(name: str) -> str:
        return state.text(f"{CONTROL}/{name}") or ""

    texts = {
        "me": control.render_value(mail.me, old("me")),
        "defaultdomain": control.render_value(mail.defaultdomain, old("defaultdomain")),
        "plusdomain": control.render_value(mail.plusdomain, old("plusdomain")),
        "locals": control.render_list(mail.locals, old("locals")),
        "rcpthosts": control.render_list(mail.rcpthosts, old("rcpthosts")),
        "defaultdelivery": control.render_value(mail.defaultdelivery, old("defaultdelivery")),
    }
    if mail.virtualdomains or old("virtualdomains"):
        texts["virtualdomains"] = control.render_virtualdomains(
            mail.virtualdomains, old("virtualdomains")
        )
    texts.update(feature_texts(profile, state))
    for name in CONCURRENCY + required_limits(profile, state):
        if not old(name):
            texts[name] = "20\n"
    return texts


def required_limits(profile: Profile, state: HostState) -> tuple[str, ...]:
    """The concurrency files the rc.d scripts of the enabled services require
    (their ``required_files``), e.g. control/concurrencyofmip for qmailofmipd."""
    found: list[str] = []
    for service in SERVICES:
        if getattr(profile.services, service):
            script = state.text(f"/usr/pkg/share/examples/rc.d/{service}") or ""
            found += re.findall(r"required_files=.*?control/(concurrency\w+)", script)
    return tuple(dict.fromkeys(found))


def plan_control(step: Step, profile: Profile, state: HostState) -> None:
    for name, text in control_texts(profile, state).items():
        _write_if_changed(step, state, f"{CONTROL}/{name}", text)


def plan_aliases(step: Step, profile: Profile, state: HostState) -> None:
    for name, given in sorted(profile.mail.aliases.items()):
        path = f"{ALIAS_DIR}/{alias.filename(name)}"
        current = state.text(path)
        new = "".join(alias.render_forward(t) for t in alias_targets(given))
        if current == new:
            continue
        if path in state.refused:  # apply refuses it too (safefile): say so now
            step.risks.append(
                f"{state.refused[path]}; apply refuses to write it: "
                f"remove it (rm {path}) and apply again"
            )
        step.actions.append(WriteFile(path, current, new))
        if current is not None and alias.is_placeholder(current):
            step.notes.append(f"{alias.filename(name)} was a placeholder that discarded mail.")


def sslserver_tls(profile: Profile, catalog) -> bool:
    """True when qmail-smtpd runs under ``sslserver -n`` with TLS on (2020Q2 with a
    certificate): fixsmtpio offers STARTTLS only to clients whose rule sets UCSPITLS."""
    return bool(
        profile.tls.certificate and profile.services.qmailsmtpd and not smtpd_patch_era(catalog)
    )


def _everyone(text: str) -> tcprules.Rule | None:
    try:
        return next((r for r in tcprules.parse(text) if r.address == ""), None)
    except tcprules.RulesError:
        return None


def plan_tcprules(step: Step, profile: Profile, state: HostState, catalog) -> None:
    source, cdb = state.rules_paths()
    old = state.text(source)
    starttls = sslserver_tls(profile, catalog)
    new = tcprules.render(profile.mail.relay_from, old or "", starttls)
    changed = _write_if_changed(step, state, source, new)
    gained = not tcprules.offers_tls(_everyone(old or "")) and tcprules.offers_tls(_everyone(new))
    if changed and starttls and gained:
        step.notes.append(
            'The rule for every client gets UCSPITLS="": under sslserver -n, '
            "fixsmtpio offers STARTTLS only to clients whose tcprules rule sets it "
            "(qmail-run's tcprules-smtp does so)."
        )
    if changed or not state.cdbs.get(cdb, False):
        step.actions.append(compile_rules(source, cdb, new))
