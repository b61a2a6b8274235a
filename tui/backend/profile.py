"""Profiles as YAML: load (shape), validate (values, DESIGN §6 and §8), dump, defaults.

:func:`load` turns a YAML document into a :class:`~tui.backend.model.Profile`; keys a
document leaves out take the model's defaults, and unknown keys or wrong types raise
:class:`ProfileError`.  :func:`validate` checks the values against the host's option
catalog and user list and returns :class:`Problem` records; :func:`load_valid` does
both.  Every problem names file, line, key path, the value, what is allowed and, where
one exists, a suggestion.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
import typing
from dataclasses import dataclass

import yaml

from . import model, yamlsrc
from .catalog import Catalog
from .model import Profile

NAME_RE = re.compile(r"[a-z_][a-z0-9_.-]{0,15}")
NAME_ALLOWED = (
    "1 to 16 characters: a-z, 0-9, '_', '.', '-', starting with a letter or "
    "'_' (NetBSD login names)"
)
LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
FQDN_ALLOWED = (
    "a fully qualified domain name: lower-case labels joined by dots, e.g. mail.example.org"
)
LOCAL_RE = re.compile(r"[a-z0-9_][a-z0-9_.+-]{0,63}")
LOCAL_ALLOWED = "a local part: a-z, 0-9, '_', '.', '+', '-' (at most 64 characters)"
ADDRESS_RE = re.compile(r"([A-Za-z0-9_.+-]{1,64})@(.+)")
RELAY_ALLOWED = (
    "a tcprules IPv4 rule: a prefix ending in '.' (127., 10.1.), an address "
    "(192.168.1.5) or an address range in its last part (10.0.0.1-50)"
)
_NO_VALUE = object()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a profile, located and explained."""

    file: str
    line: int | None
    key: str
    message: str
    value: object = _NO_VALUE
    allowed: str = ""
    suggestion: str = ""

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        if self.key:
            text += f"{self.key}: "
        if self.value is not _NO_VALUE:
            text += f"{_show(self.value)}: "
        text += self.message
        if self.allowed:
            text += f" (allowed: {self.allowed})"
        if self.suggestion:
            text += f"; {self.suggestion}"
        return text


class ProfileError(ValueError):
    """A profile that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = list(problems)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


@dataclass(frozen=True)
class Loaded:
    """A loaded profile with the file name and the line of every key path."""

    profile: Profile
    filename: str
    lines: dict


def _show(value) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _keystr(path: tuple) -> str:
    """``mail.aliases.root``; a key with control characters is shown quoted and escaped
    (an error message never sends a terminal escape sequence)."""
    text = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
            continue
        name = str(part) if str(part).isprintable() else json.dumps(str(part))
        text += f".{name}" if text else name
    return text


def _line(lines: dict, path: tuple) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


# --- load: shape ---------------------------------------------------------------------


def read(source: str | bytes | os.PathLike, filename: str | None = None) -> Loaded:
    """Load a profile from a path (PathLike) or from its text; raise on bad shape."""
    if isinstance(source, os.PathLike):
        filename = filename or os.fspath(source)
        try:
            with open(source, "rb") as fh:
                source = fh.read(yamlsrc.MAX_BYTES + 1)
        except OSError as exc:
            raise ProfileError(
                [Problem(filename, None, "", f"cannot read the profile: {exc.strerror or exc}")]
            ) from None
    filename = filename or "<profile>"
    doc = yamlsrc.load(source, filename)
    problems: list[Problem] = []
    data = {} if doc.data is None else doc.data
    profile = _convert(Profile, data, (), problems, filename, doc.lines)
    if problems:
        raise ProfileError(problems)
    return Loaded(profile, filename, doc.lines)


def load(source: str | bytes | os.PathLike, filename: str | None = None) -> Profile:
    """The profile in ``source`` (a path, or YAML text named ``filename``)."""
    return read(source, filename).profile


def load_valid(
    source, catalog: Catalog, users: set[str] | None = None, filename: str | None = None
) -> Profile:
    """Load and validate; raise :class:`ProfileError` listing every problem."""
    loaded = read(source, filename)
    problems = validate(loaded.profile, catalog, users, loaded.filename, loaded.lines)
    if problems:
        raise ProfileError(problems)
    return loaded.profile


_KINDS = {
    str: "a string",
    int: "a whole number",
    bool: "a boolean",
    list: "a list",
    dict: "a mapping",
}


def _kind(value) -> str:
    if value is None:
        return "nothing (null)"
    for typ in (bool, int, float, str, list, dict):
        if isinstance(value, typ):
            return _KINDS.get(typ, "a number")
    return type(value).__name__


def _convert(typ, value, path, problems, filename, lines):
    """Value of type ``typ`` from YAML data, or the default with a problem recorded."""

    def wrong(expected: str, at=path, got=value, hint: str = "", key: str = ""):
        if not hint and isinstance(got, (int, float, bool)) and expected.startswith("a string"):
            hint = "put the value in quotes"
        problems.append(
            Problem(
                filename,
                _line(lines, at),
                key or _keystr(at),
                f"wrong type: expected {expected}, got {_kind(got)}",
                got,
                suggestion=hint,
            )
        )

    if dataclasses.is_dataclass(typ):
        if value is None and path:
            return typ()
        if not isinstance(value, dict):
            wrong("a mapping with the keys " + ", ".join(model.field_names(typ)))
            return typ()
        hints = typing.get_type_hints(typ)
        valid = [f.name for f in dataclasses.fields(typ)]
        kwargs = {}
        for key, item in value.items():
            if key not in valid:
                problems.append(_unknown_key(key, valid, path, filename, lines))
                continue
            kwargs[key] = _convert(hints[key], item, path + (key,), problems, filename, lines)
        return typ(**kwargs)
    origin = typing.get_origin(typ)
    if origin is list:
        if not isinstance(value, list):
            wrong("a list of strings, e.g. [a, b] (write [] for none)")
            return []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                wrong("a string", path + (i,), item)
        return [item for item in value if isinstance(item, str)]
    if origin is dict:
        if not isinstance(value, dict):
            wrong("a mapping of strings to strings (write {} for none)")
            return {}
        for key, item in value.items():
            if not isinstance(key, str):
                wrong(
                    "a string as key",
                    path + (key,),
                    key,
                    "put the key in quotes",
                    _keystr(path + (str(key),)),
                )
            elif not isinstance(item, str):
                wrong("a string", path + (key,), item)
        return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}
    if typ is bool and not isinstance(value, bool):
        wrong("true or false")
        return False
    if typ is int and (isinstance(value, bool) or not isinstance(value, int)):
        wrong("a whole number")
        return 0
    if typ is str and not isinstance(value, str):
        wrong("a string")
        return ""
    return value


def _unknown_key(key, valid, path, filename, lines) -> Problem:
    name = str(key)
    close = difflib.get_close_matches(name.lower(), valid, n=1)
    if close:
        hint = f"did you mean {close[0]!r}?"
    elif re.search(r"pass(?!wd$)|secret|token|key", name, re.I):
        hint = "secrets never go in a profile; remove it"
    else:
        hint = "remove it"
    return Problem(
        filename,
        _line(lines, path + (key,)),
        _keystr(path + (name,)),
        "unknown key",
        allowed=", ".join(valid),
        suggestion=hint,
    )


# --- validate: values ---------------------------------------------------------------


class _Collector:
    def __init__(self, filename: str, lines: dict):
        self.filename, self.lines, self.problems = filename, lines, []

    def add(
        self, path: tuple, message: str, value=_NO_VALUE, allowed: str = "", suggestion: str = ""
    ) -> None:
        self.problems.append(
            Problem(
                self.filename,
                _line(self.lines, path),
                _keystr(path),
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
    _check_mail(profile, users, out)
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
        if catalog.needs_source_build(profile.build.options):
            why.append("options " + " ".join(profile.build.options))
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


def _name_fix(name: str) -> str:
    fixed = re.sub(r"[^a-z0-9_.-]", "", name.lower())
    fixed = re.sub(r"^[^a-z_]+", "", fixed)[:16]
    return fixed if fixed and fixed != name else ""


def _check_accounts(accounts, out: _Collector) -> None:
    seen: dict[tuple[bool, str], str] = {}
    for key in model.ACCOUNT_DEFAULTS:
        name = getattr(accounts, key)
        path = ("build", "accounts", key)
        if not NAME_RE.fullmatch(name):
            message = (
                "longer than 16 characters" if len(name) > 16 else "not a valid NetBSD account name"
            )
            fix = _name_fix(name)
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


def _fqdn_problem(name: str, allow_localhost: bool = False) -> tuple[str, str] | None:
    """(message, suggestion) when ``name`` is not a valid FQDN, else None."""
    if allow_localhost and name == "localhost":
        return None
    if _is_fqdn(name):
        return None
    if not name:
        return "empty", "write the domain name"
    fixed = name.strip().lower().rstrip(".")
    hint = f"did you mean {fixed!r}?" if fixed != name and _is_fqdn(fixed) else ""
    if len(name.split(".")) < 2 and LABEL_RE.fullmatch(name):
        return "not fully qualified (it needs a domain part)", hint
    return "not a valid domain name", hint


def _is_fqdn(name: str) -> bool:
    labels = name.split(".")
    return (
        len(name) <= 253
        and len(labels) >= 2
        and not labels[-1].isdigit()
        and all(LABEL_RE.fullmatch(label) for label in labels)
    )


def _check_fqdn(out: _Collector, path: tuple, name: str, locals_: bool = False) -> bool:
    problem = _fqdn_problem(name, locals_)
    if problem:
        allowed = FQDN_ALLOWED + (", or localhost" if locals_ else "")
        out.add(path, problem[0], name, allowed, problem[1])
    return problem is None


def _check_mail(profile: Profile, users: set[str] | None, out: _Collector) -> None:
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
            f"add {mail.me!r}" if _is_fqdn(mail.me) else "list this host's domains",
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
    for i, rule in enumerate(mail.relay_from):
        problem = _relay_problem(rule)
        if problem:
            out.add(
                ("mail", "relay_from", i),
                problem,
                rule,
                RELAY_ALLOWED,
                "list only your own networks, e.g. '127.' or '192.168.1.'",
            )


def _check_aliases(aliases: dict, users: set[str] | None, out: _Collector) -> None:
    for name in model.SYSTEM_ALIASES:
        if name not in aliases:
            fallback = next((t for t in aliases.values() if _target_problem(t) is None), "")
            out.add(
                ("mail", "aliases", name),
                f"missing: mail to {name} would be discarded or bounce",
                allowed="a local user or user@domain for each "
                "of root, postmaster and mailer-daemon",
                suggestion=f"add '{name}: {fallback or 'your admin user'}'",
            )
    for name, target in aliases.items():
        path = ("mail", "aliases", name)
        if not LOCAL_RE.fullmatch(name):
            out.add(path, "not a valid alias name", name, LOCAL_ALLOWED)
        problem = _target_problem(target)
        if problem:
            out.add(path, *problem)
        elif ADDRESS_RE.fullmatch(target):
            continue  # an address elsewhere: nothing on this host to check
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


def _target_problem(target: str) -> tuple[str, str, str] | None:
    """(message, value, allowed) when ``target`` is neither a user name nor an address."""
    address = ADDRESS_RE.fullmatch(target)
    if address:
        problem = _fqdn_problem(address.group(2))
        if problem:
            return f"the address's domain is {problem[0]}", target, FQDN_ALLOWED
        return None
    if not NAME_RE.fullmatch(target):
        return "not a local user or an address", target, "a local user name or user@domain"
    return None


def _relay_problem(rule: str) -> str | None:
    """Why a tcp.smtp RELAYCLIENT rule is refused, or None when it is fine."""
    if rule.strip(" :") == "":
        return "matches every client: RELAYCLIENT for everyone makes an open relay"
    prefix = rule.endswith(".")
    parts = (rule[:-1] if prefix else rule).split(".")
    if not (1 <= len(parts) <= 3 if prefix else len(parts) == 4):
        return "not a tcprules address rule"
    for i, part in enumerate(parts):
        m = re.fullmatch(r"(\d{1,3})(?:-(\d{1,3}))?", part)
        if not m or int(m[1]) > 255 or int(m[2] or m[1]) > 255 or int(m[1]) > int(m[2] or m[1]):
            return "not a tcprules address rule"
        if m[2] and (prefix or i != 3):
            return "a range is allowed only in the last part of a full address"
    return None


# --- dump ---------------------------------------------------------------------------

HEADER = (
    "# qmail-wizard profile: every effective value is written out, defaults included.\n"
    "# Check it with `qmail-wizard validate FILE`; apply it with "
    "`qmail-wizard apply FILE`.\n"
)
_COMMENTS = {
    ("install", "method"): "auto | binary | pkgin | source",
    ("build", "options"): "vs the defaults: name adds, -name removes",
    ("build", "accounts"): "QMAIL_*_USER / QMAIL_*_GROUP; renaming needs a source build",
    ("mail", "virtualdomains"): "domain: prefix",
    ("mail", "defaultdelivery"): "./Maildir/ or ./Mailbox",
    ("mail", "aliases"): "root, postmaster and mailer-daemon are required",
    ("mail", "relay_from"): "tcp.smtp rules that get RELAYCLIENT",
    ("services", "replace_mta"): "stop postfix and switch mailer.conf to qmail",
}


def _flow(value) -> str:
    text = yaml.safe_dump(
        value, default_flow_style=True, sort_keys=False, width=1 << 30, allow_unicode=True
    )
    text = text[:-5] if text.endswith("\n...\n") else text
    text = text.rstrip("\n")  # not strip(): a value may end in Unicode spaces
    if "\n" in text or yaml.safe_load(text) != value:
        # JSON is YAML too, with every character escaped, but for YAML "\ud800\udc00"
        # is two lone surrogates: a character beyond U+FFFF is written "\U00010000"
        return _PAIR.sub(_astral, json.dumps(value))
    return text


_PAIR = re.compile(r"(?<!\\)((?:\\\\)*)\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})")


def _astral(match: re.Match) -> str:
    high, low = int(match[2], 16), int(match[3], 16)
    return f"{match[1]}\\U{0x10000 + (high - 0xD800) * 0x400 + low - 0xDC00:08x}"


def _dump_section(obj, path: tuple, indent: str) -> list[str]:
    out = []
    for f in dataclasses.fields(obj):
        value, key = getattr(obj, f.name), path + (f.name,)
        comment = f"  # {_COMMENTS[key]}" if key in _COMMENTS else ""
        if dataclasses.is_dataclass(value):
            out.append(f"{indent}{f.name}:{comment}")
            out.extend(_dump_section(value, key, indent + "  "))
        elif isinstance(value, dict) and value:
            out.append(f"{indent}{f.name}:{comment}")
            out.extend(f"{indent}  {_flow(k)}: {_flow(v)}" for k, v in value.items())
        else:
            out.append(f"{indent}{f.name}: {_flow(value)}{comment}")
    return out


def dump(profile: Profile, header: str = HEADER) -> str:
    """Readable YAML of the whole profile, in DESIGN §6 order; load(dump(p)) == p."""
    body = "\n".join(_dump_section(profile, (), ""))
    return f"{header}{body}\n"


# --- defaults -----------------------------------------------------------------------


def defaults_for(hostname: str, admin_user: str) -> Profile:
    """The profile a fresh host suggests: its name, its parent domain, admin's aliases."""
    me = hostname.strip().lower().rstrip(".")
    labels = me.split(".")
    parent = ".".join(labels[1:]) if len(labels) > 2 else me
    mail = model.Mail(
        me=me,
        defaultdomain=parent,
        plusdomain=parent,
        locals=list(dict.fromkeys([me, parent, "localhost"])),
        rcpthosts=list(dict.fromkeys([me, parent])),
        aliases={name: admin_user for name in model.SYSTEM_ALIASES},
    )
    return Profile(mail=mail)
