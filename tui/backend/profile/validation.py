"""Validate a loaded profile's values (DESIGN §6 and §8) against the host's option
catalog and user list (:func:`~.loading.load_valid` loads and validates in one go)."""

from __future__ import annotations

import difflib

from ..catalog import Catalog
from . import model
from .features import needed_options
from .model import Profile
from .problems import NO_VALUE, Problem, keystr, line_at
from .rules import (
    ADDRESS_RE,
    CERT_ALLOWED,
    DATABYTES_ALLOWED,
    FQDN_ALLOWED,
    LOCAL_ALLOWED,
    LOCAL_RE,
    NAME_ALLOWED,
    NAME_RE,
    PEM_PATH_RE,
    RELAY_ALLOWED,
    SMTPROUTE_ALLOWED,
    SMTPROUTE_DOMAIN_ALLOWED,
    fqdn_problem,
    is_fqdn,
    name_fix,
    relay_problem,
    route_problem,
    target_problem,
)


class _Collector:
    def __init__(self, filename: str, lines: dict):
        self.filename, self.lines = filename, lines
        self.problems: list[Problem] = []

    def add(
        self, path: tuple, message: str, value=NO_VALUE, allowed: str = "", suggestion: str = ""
    ) -> None:
        self.problems.append(
            Problem(
                self.filename,
                line_at(self.lines, path),
                keystr(path),
                message,
                value,
                allowed,
                suggestion,
            )
        )


def validate(
    profile: Profile,
    catalog: Catalog,
    users: set[str] | None = None,
    filename: str = "<profile>",
    lines: dict | None = None,
) -> list[Problem]:
    """Every problem with the profile's values (empty list when it can be applied).

    ``users`` are the host's login names; when given, alias targets must be among them.
    """
    out = _Collector(filename, lines or {})
    if profile.version != 1:
        out.add(("version",), "unsupported profile version", profile.version, "1")
    _check_install(profile, catalog, out)
    for i, message in catalog.word_problems(profile.build.options):
        out.add(("build", "options", i), message, profile.build.options[i])
    _check_accounts(profile.build.accounts, out)
    _check_mail(profile, catalog, users, out)
    return sorted(out.problems, key=lambda p: p.line or 0)


def _check_install(profile: Profile, catalog: Catalog, out: _Collector) -> None:
    method = profile.install.method
    if method not in model.INSTALL_METHODS:
        close = difflib.get_close_matches(str(method), model.INSTALL_METHODS, n=1)
        out.add(
            ("install", "method"),
            "unknown install method",
            method,
            ", ".join(model.INSTALL_METHODS),
            f"did you mean {close[0]!r}?" if close else "",
        )
        return
    if method in ("binary", "pkgin"):
        why = []
        needed = [word for word, _why in needed_options(profile, catalog)]
        if catalog.needs_source_build(profile.build.options + needed):
            why.append("options " + " ".join(profile.build.options + needed))
        accounts = profile.build.accounts
        renamed = [
            f"{k}={getattr(accounts, k)}"
            for k, v in model.ACCOUNT_DEFAULTS.items()
            if getattr(accounts, k) != v
        ]
        if renamed:
            why.append("renamed accounts " + " ".join(renamed))
        if why:
            out.add(
                ("install", "method"),
                "binary packages are built with the default options and account "
                f"names, but this profile asks for {' and '.join(why)}",
                method,
                "source or auto (a pkgsrc source build)",
                "write method: source",
            )


def _check_accounts(accounts, out: _Collector) -> None:
    seen: dict[tuple[bool, str], str] = {}
    for key in model.ACCOUNT_DEFAULTS:
        name = getattr(accounts, key)
        path = ("build", "accounts", key)
        if not NAME_RE.fullmatch(name):
            message = (
                "longer than 16 characters" if len(name) > 16 else "not a valid NetBSD account name"
            )
            fix = name_fix(name)
            out.add(path, message, name, NAME_ALLOWED, f"try {fix!r}" if fix else "")
            continue
        group = key in model.GROUP_KEYS
        other = seen.setdefault((group, name), key)
        if other != key:
            kind = "group" if group else "user"
            out.add(
                path,
                f"the same {kind} name as build.accounts.{other}",
                name,
                f"a distinct name for every qmail {kind}",
                f"try {model.ACCOUNT_DEFAULTS[key]!r}"
                if model.ACCOUNT_DEFAULTS[key] != name
                else "",
            )


def _check_fqdn(out: _Collector, path: tuple, name: str, locals_: bool = False) -> bool:
    problem = fqdn_problem(name, locals_)
    if problem:
        allowed = FQDN_ALLOWED + (", or localhost" if locals_ else "")
        out.add(path, problem[0], name, allowed, problem[1])
    return problem is None


def _check_mail(
    profile: Profile, catalog: Catalog, users: set[str] | None, out: _Collector
) -> None:
    mail = profile.mail
    for key in ("me", "defaultdomain", "plusdomain"):
        _check_fqdn(out, ("mail", key), getattr(mail, key))
    for i, name in enumerate(mail.locals):
        _check_fqdn(out, ("mail", "locals", i), name, locals_=True)
    for i, name in enumerate(mail.rcpthosts):
        _check_fqdn(out, ("mail", "rcpthosts", i), name)
    if profile.services.qmailsmtpd and not mail.rcpthosts:
        out.add(
            ("mail", "rcpthosts"),
            "empty while services.qmailsmtpd is true: without "
            "rcpthosts qmail-smtpd relays mail for everyone",
            mail.rcpthosts,
            "the domains this host receives mail for",
            f"add {mail.me!r}" if is_fqdn(mail.me) else "list this host's domains",
        )
    for domain, prefix in mail.virtualdomains.items():
        path = ("mail", "virtualdomains", domain)
        if _check_fqdn(out, path, domain):
            if domain not in mail.rcpthosts:
                out.add(
                    path,
                    "virtual domain missing from mail.rcpthosts",
                    domain,
                    "virtual domains are also listed in rcpthosts",
                    f"add {domain!r} to mail.rcpthosts",
                )
            if domain in mail.locals:
                out.add(
                    path,
                    "virtual domain also listed in mail.locals",
                    domain,
                    "a domain is either local or virtual",
                    f"remove {domain!r} from mail.locals",
                )
        if not LOCAL_RE.fullmatch(prefix):
            out.add(path, "not a valid virtual domain prefix", prefix, LOCAL_ALLOWED)
    if mail.defaultdelivery not in model.DELIVERIES:
        value = mail.defaultdelivery
        if value.rstrip("/") == "./Maildir":
            hint = "write './Maildir/': the trailing slash means Maildir delivery"
        else:
            close = difflib.get_close_matches(value, model.DELIVERIES, n=1)
            hint = f"did you mean {close[0]!r}?" if close else ""
        out.add(
            ("mail", "defaultdelivery"),
            "unknown delivery",
            value,
            " or ".join(model.DELIVERIES),
            hint,
        )
    _check_aliases(mail.aliases, users, out)
    _check_features(profile, catalog, out)
    for i, rule in enumerate(mail.relay_from):
        problem = relay_problem(rule)
        if problem:
            out.add(
                ("mail", "relay_from", i),
                problem,
                rule,
                RELAY_ALLOWED,
                "list only your own networks, e.g. '127.' or '192.168.1.'",
            )


def _check_aliases(aliases: dict, users: set[str] | None, out: _Collector) -> None:
    """A system alias left out is derived: it goes to the host's first human user."""
    for name, given in aliases.items():
        if not LOCAL_RE.fullmatch(name):
            out.add(("mail", "aliases", name), "not a valid alias name", name, LOCAL_ALLOWED)
        if isinstance(given, list) and not given:
            out.add(
                ("mail", "aliases", name),
                "an empty list: mail to this alias would go nowhere",
                given,
                "a target or a list of targets",
            )
        for i, target in enumerate(model.alias_targets(given)):
            path = ("mail", "aliases", name) + ((i,) if isinstance(given, list) else ())
            _check_target(path, target, users, out)


def _check_target(path: tuple, target: str, users: set[str] | None, out: _Collector) -> None:
    problem = target_problem(target)
    if problem:
        out.add(path, *problem)
    elif ADDRESS_RE.fullmatch(target):
        return  # an address elsewhere: nothing on this host to check
    elif target == "root":
        out.add(
            path,
            "qmail never delivers to root, so this mail would bounce",
            target,
            "an unprivileged local user or user@domain",
            "name the admin's own account",
        )
    elif users is not None and target not in users:
        close = difflib.get_close_matches(target, sorted(users), n=1)
        out.add(
            path,
            "no such user on this host",
            target,
            "a user of this host or user@domain",
            f"did you mean {close[0]!r}?" if close else "create the user first",
        )


def _check_features(profile: Profile, catalog: Catalog, out: _Collector) -> None:
    """smtp_auth, srs, smtproutes, databytes, tls.certificate (issue 14)."""
    mail = profile.mail
    words = profile.build.options
    if mail.srs.domain:
        path = ("mail", "srs", "domain")
        local = mail.srs.domain in mail.locals or mail.srs.domain == mail.me
        if _check_fqdn(out, path, mail.srs.domain) and local:
            out.add(
                path,
                "the SRS domain must be a domain of its own (a virtual domain "
                "delivered to srsfilter), not a local one",
                mail.srs.domain,
                "a sub-domain such as srs." + (mail.defaultdomain or "example.org"),
            )
        if "-qmail-srs" in words or "qmail-srs" not in catalog.supported:
            out.add(
                path,
                "SRS needs qmail built with the qmail-srs option, which this profile "
                "or host does not allow",
                mail.srs.domain,
                "an SRS domain with qmail-srs in build.options (or not removed)",
                "remove -qmail-srs from build.options",
            )
    if mail.smtp_auth and "sasl" in catalog.supported and "-tls" in words:
        out.add(
            ("mail", "smtp_auth"),
            "SMTP AUTH comes from the tls patch in this era, which build.options removes",
            True,
            "true with tls (it implies sasl), or false",
            "remove -tls from build.options",
        )
    for domain, route in mail.smtproutes.items():
        path = ("mail", "smtproutes", domain)
        if domain and fqdn_problem(domain.removeprefix(".")):
            out.add(path, "not a domain", domain, SMTPROUTE_DOMAIN_ALLOWED)
        problem = route_problem(route)
        if problem:
            out.add(path, problem, route, SMTPROUTE_ALLOWED)
    if mail.databytes < 0:
        out.add(("mail", "databytes"), "negative", mail.databytes, DATABYTES_ALLOWED)
    cert = profile.tls.certificate
    if cert and cert != "self-signed" and not PEM_PATH_RE.fullmatch(cert):
        out.add(
            ("tls", "certificate"),
            "neither self-signed nor an absolute path",
            cert,
            CERT_ALLOWED,
        )
    if cert and "sasl" in catalog.supported and "-tls" in words:
        out.add(
            ("tls", "certificate"),
            "a certificate without the tls build option is never used",
            cert,
            CERT_ALLOWED,
            "remove -tls from build.options",
        )
