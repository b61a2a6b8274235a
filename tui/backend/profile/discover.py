"""The profile a host already embodies: what ``probe`` prints and the wizard prefills.

A fresh host gives the defaults it suggests (its name, its admin user); an
installed qmail gives its real settings, so that applying the result plans nothing.
Every value read from a file is traced to it: ``sources`` maps a profile key path
(``mail.locals``, ``services.qmailsmtpd``) to ``path:line`` (DESIGN §6, issue 6).
"""

from __future__ import annotations

from ..facts import ALIAS_DIR, CONTROL, SERVICES, is_yes
from ..files import alias, control, mailerconf, rcconf, tcprules
from ..hoststate import HostState
from .model import ACCOUNT_DEFAULTS, ACCOUNT_VARS, SYSTEM_ALIASES, Accounts, defaults_for


def profile_from_state(state: HostState, catalog, sources: dict[str, str] | None = None):
    """The profile ``state`` embodies; ``sources`` (when given) is filled with where
    each value came from."""
    sources = {} if sources is None else sources
    admin = state.admin_user() or "root"
    profile = defaults_for(state.hostname or "localhost.localdomain", admin)
    _build(profile, state, catalog, sources)
    if "qmail" in state.packages:
        _mail(profile, state, admin, sources)
    _services(profile, state, sources)
    return profile


def line_of(text: str, wanted) -> int:
    """1-based number of the first line for which ``wanted(line)`` holds (0: none)."""
    for number, row in enumerate(text.splitlines(), 1):
        if wanted(row):
            return number
    return 0


def _note(sources: dict[str, str], key: str, path: str, text: str, wanted) -> None:
    number = line_of(text, wanted)
    sources[key] = f"{path}:{number}" if number else path


def _build(profile, state: HostState, catalog, sources: dict[str, str]) -> None:
    info = state.build_info.get("qmail")
    if not info:
        return
    info_path = f"/var/db/pkg/{state.packages.get('qmail', 'qmail')}/+BUILD_INFO"
    info_text = state.text(info_path) or ""
    built = set(info.get("PKG_OPTIONS", "").split())
    defaults = set(catalog.effective([]))
    implied = {catalog.implies[o] for o in built if o in catalog.implies}
    words = sorted(built - defaults - (implied - defaults)) + [
        f"-{o}" for o in sorted(defaults - built)
    ]
    profile.build.options = words
    _note(
        sources, "build.options", info_path, info_text, lambda row: row.startswith("PKG_OPTIONS=")
    )
    profile.build.accounts = Accounts(
        **{key: info.get(var, ACCOUNT_DEFAULTS[key]) for key, var in ACCOUNT_VARS.items()}
    )
    for key, var in ACCOUNT_VARS.items():
        if var in info:
            _note(
                sources,
                f"build.accounts.{key}",
                info_path,
                info_text,
                lambda row, var=var: row.startswith(f"{var}="),
            )


def _mail(profile, state: HostState, admin: str, sources: dict[str, str]) -> None:
    mail = profile.mail

    def lines(name: str, key: str) -> list[str] | None:
        path = f"{CONTROL}/{name}"
        text = state.text(path)
        if text is None:
            return None
        values = control.lines(text)
        if values:
            _note(sources, key, path, text, lambda row: row.rstrip(" \t") == values[0])
        return values

    for name in ("me", "defaultdomain", "plusdomain", "defaultdelivery"):
        values = lines(name, f"mail.{name}")
        if values:
            setattr(mail, name, values[0])
    for name in ("locals", "rcpthosts"):
        values = lines(name, f"mail.{name}")
        if values is not None:
            setattr(mail, name, values)
    virtual = lines("virtualdomains", "mail.virtualdomains") or []
    mail.virtualdomains = dict(v.split(":", 1) for v in virtual if ":" in v)
    aliases = {}
    for name in SYSTEM_ALIASES:
        path = f"{ALIAS_DIR}/{alias.filename(name)}"
        text = state.text(path)
        forwards = [t.value for t in alias.targets(text or "") if t.kind == "forward"]
        aliases[name] = forwards[0] if forwards else admin
        if forwards:
            _note(
                sources,
                f"mail.aliases.{name}",
                path,
                text or "",
                lambda row, first=forwards[0]: row.strip().lstrip("&") == first,
            )
    mail.aliases = aliases
    _features(profile, state, lines)
    rules_path = state.rules_paths()[0]
    rules = state.text(rules_path)
    if rules is not None:
        mail.relay_from = [
            r.address for r in tcprules.parse(rules) if "RELAYCLIENT" in r.env and r.address
        ]
        _note(
            sources,
            "mail.relay_from",
            rules_path,
            rules,
            lambda row: "RELAYCLIENT" in row and not row.startswith("#"),
        )


def _features(profile, state: HostState, lines) -> None:
    """SRS, smtproutes, databytes, AUTH and the certificate as the host has them."""
    mail = profile.mail
    srs = (lines("srs_domain", "mail.srs.domain") or [""])[0]
    if srs:  # the plan adds the SRS domain to rcpthosts and virtualdomains itself
        mail.srs.domain = srs
        mail.rcpthosts = [d for d in mail.rcpthosts if d != srs]
        if mail.virtualdomains.get(srs) == "srs":
            del mail.virtualdomains[srs]
    routes = lines("smtproutes", "mail.smtproutes") or []
    mail.smtproutes = dict(r.split(":", 1) for r in routes if ":" in r)
    size = (lines("databytes", "mail.databytes") or ["0"])[0]
    mail.databytes = int(size) if size.isdigit() else 0
    rc_conf = state.text("/etc/rc.conf") or ""
    mail.smtp_auth = (rcconf.get(rc_conf, "qmailsmtpd_postsmtpd") or "").startswith(
        "/usr/pkg/bin/checkpassword"
    )
    if f"{CONTROL}/servercert.pem" in state.modes:
        profile.tls.certificate = "self-signed"  # kept as it is: the plan makes none


def _services(profile, state: HostState, sources: dict[str, str]) -> None:
    rc_conf = state.text("/etc/rc.conf") or ""
    last = {a.name: a for a in rcconf.assignments(rc_conf)}
    for name in SERVICES:
        value = rcconf.get(rc_conf, name)
        if value is not None:
            setattr(profile.services, name, is_yes(value))
            sources[f"services.{name}"] = (
                f"/etc/rc.conf:{rc_conf.count(chr(10), 0, last[name].start) + 1}"
            )
    mailer = state.text("/etc/mailer.conf")
    if "qmail" in state.packages and mailer is not None:
        profile.services.replace_mta = not mailerconf.selects_postfix(mailer)
        _note(
            sources,
            "services.replace_mta",
            "/etc/mailer.conf",
            mailer,
            lambda row: row.startswith("sendmail"),
        )
