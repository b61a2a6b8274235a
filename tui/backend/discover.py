"""The profile a host already embodies: what ``probe`` prints and the wizard prefills.

A fresh host gives the defaults it suggests (its name, its admin user); an
installed qmail gives its real settings, so that applying the result plans nothing.
"""
from __future__ import annotations

from .files import alias, control, mailerconf, rcconf, tcprules
from .model import ACCOUNT_DEFAULTS, ACCOUNT_VARS, SERVICES, SYSTEM_ALIASES, Accounts
from .plan import ALIAS_DIR, CONTROL, rules_paths
from .probe import HostState
from .profile import defaults_for


def profile_from_state(state: HostState, catalog):
    admin = state.admin_user() or "root"
    profile = defaults_for(state.hostname or "localhost.localdomain", admin)
    _build(profile, state, catalog)
    if "qmail" in state.packages:
        _mail(profile, state, admin)
    _services(profile, state)
    return profile


def _build(profile, state: HostState, catalog) -> None:
    info = state.build_info.get("qmail")
    if not info:
        return
    built = set(info.get("PKG_OPTIONS", "").split())
    defaults = set(catalog.effective([]))
    implied = {catalog.implies[o] for o in built if o in catalog.implies}
    words = sorted(built - defaults - (implied - defaults)) + \
        [f"-{o}" for o in sorted(defaults - built)]
    profile.build.options = words
    profile.build.accounts = Accounts(**{
        key: info.get(var, ACCOUNT_DEFAULTS[key]) for key, var in ACCOUNT_VARS.items()})


def _mail(profile, state: HostState, admin: str) -> None:
    mail = profile.mail

    def lines(name: str) -> list[str] | None:
        text = state.text(f"{CONTROL}/{name}")
        return None if text is None else control.lines(text)

    for name in ("me", "defaultdomain", "plusdomain", "defaultdelivery"):
        values = lines(name)
        if values:
            setattr(mail, name, values[0])
    for name in ("locals", "rcpthosts"):
        values = lines(name)
        if values is not None:
            setattr(mail, name, values)
    virtual = lines("virtualdomains") or []
    mail.virtualdomains = dict(v.split(":", 1) for v in virtual if ":" in v)
    aliases = {}
    for name in SYSTEM_ALIASES:
        text = state.text(f"{ALIAS_DIR}/.qmail-{name}")
        forwards = [t.value for t in alias.targets(text or "") if t.kind == "forward"]
        aliases[name] = forwards[0] if forwards else admin
    mail.aliases = aliases
    rules = state.text(rules_paths(state)[0])
    if rules is not None:
        mail.relay_from = [r.address for r in tcprules.parse(rules)
                           if "RELAYCLIENT" in r.env and r.address]


def _services(profile, state: HostState) -> None:
    rc_conf = state.text("/etc/rc.conf") or ""
    for name in SERVICES:
        value = rcconf.get(rc_conf, name)
        if value is not None:
            setattr(profile.services, name, value.upper() in ("YES", "TRUE", "ON", "1"))
    mailer = state.text("/etc/mailer.conf")
    if "qmail" in state.packages and mailer is not None:
        profile.services.replace_mta = not mailerconf.selects_postfix(mailer)
