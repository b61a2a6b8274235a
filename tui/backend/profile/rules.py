"""What a profile value may be: the patterns, their "allowed" texts (a screen may show
them too) and the pure predicates :mod:`.validation` applies to account names,
domains, alias targets and tcprules relay rules."""

from __future__ import annotations

import re

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


def name_fix(name: str) -> str:
    """A valid account name close to ``name``, or "" when there is none."""
    fixed = re.sub(r"[^a-z0-9_.-]", "", name.lower())
    fixed = re.sub(r"^[^a-z_]+", "", fixed)[:16]
    return fixed if fixed and fixed != name else ""


def fqdn_problem(name: str, allow_localhost: bool = False) -> tuple[str, str] | None:
    """(message, suggestion) when ``name`` is not a valid FQDN, else None."""
    if allow_localhost and name == "localhost":
        return None
    if is_fqdn(name):
        return None
    if not name:
        return "empty", "write the domain name"
    fixed = name.strip().lower().rstrip(".")
    hint = f"did you mean {fixed!r}?" if fixed != name and is_fqdn(fixed) else ""
    if len(name.split(".")) < 2 and LABEL_RE.fullmatch(name):
        return "not fully qualified (it needs a domain part)", hint
    return "not a valid domain name", hint


def is_fqdn(name: str) -> bool:
    labels = name.split(".")
    return (
        len(name) <= 253
        and len(labels) >= 2
        and not labels[-1].isdigit()
        and all(LABEL_RE.fullmatch(label) for label in labels)
    )


def target_problem(target: str) -> tuple[str, str, str] | None:
    """(message, value, allowed) when ``target`` is neither a user name nor an address."""
    address = ADDRESS_RE.fullmatch(target)
    if address:
        problem = fqdn_problem(address.group(2))
        if problem:
            return f"the address's domain is {problem[0]}", target, FQDN_ALLOWED
        return None
    if not NAME_RE.fullmatch(target):
        return "not a local user or an address", target, "a local user name or user@domain"
    return None


def relay_problem(rule: str) -> str | None:
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


SMTPROUTE_DOMAIN_ALLOWED = (
    'a domain (remote.example), a domain with a leading dot for its sub-domains, or "" '
    "for every other domain"
)
SMTPROUTE_ALLOWED = (
    "host[:port]: a host name or an IPv4 address (brackets allowed), an optional port "
    "1-65535; an empty host means the domain's MX"
)
DATABYTES_ALLOWED = "a size in bytes, 0 for no limit"
SIZE_ALLOWED = "a size in bytes, or with K, M or G (10M = 10485760 bytes); 0 or empty for no limit"
_SIZE_RE = re.compile(r"\s*(-?\d+)\s*([kmg]?)b?\s*", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
CERT_ALLOWED = (
    "self-signed (made on the host), or the absolute path on the host of a PEM file "
    "holding the certificate and its private key"
)
PEM_PATH_RE = re.compile(r"/[A-Za-z0-9_.,+@/-]*[A-Za-z0-9_.,+@-]")
_IPV4_RE = re.compile(r"\[?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\]?")


def parse_size(text: str) -> int | None:
    """``10M`` -> 10485760 (K, M, G are powers of 1024; "" is 0); None when not a size."""
    if not text.strip():
        return 0
    match = _SIZE_RE.fullmatch(text)
    return int(match[1]) * _UNITS[match[2].lower()] if match else None


def size_text(size: int) -> str:
    """A size as the admin writes it: 10485760 -> 10M, 0 -> "" (no limit)."""
    for unit in "GMK":
        scale = _UNITS[unit.lower()]
        if size and size % scale == 0:
            return f"{size // scale}{unit}"
    return str(size) if size else ""


def route_problem(route: str) -> str | None:
    """Why an smtproutes relay (host[:port]) is refused, or None when it is fine."""
    host, _, port = route.partition(":")
    if port and not (port.isdigit() and 1 <= int(port) <= 65535):
        return "not a port number"
    if not host:
        return None if not port else "a port without a host"
    address = _IPV4_RE.fullmatch(host)
    if address:
        return None if all(int(part) <= 255 for part in address.groups()) else "not an address"
    if host.startswith("[") or host.endswith("]"):
        return "not an address"
    problem = fqdn_problem(host)
    return f"the host is {problem[0]}" if problem else None


def unrouted_rcpthosts(mail) -> list[str]:
    """rcpthosts entries that are neither local (control/locals, or control/me when
    locals is empty, as qmail-send reads them) nor virtual (control/virtualdomains:
    the domain itself, a ``.suffix`` entry matching it, or the catch-all ``""``):
    qmail-smtpd accepts their mail and qmail-send then delivers it remotely, by MX.
    Right for a backup MX; a typo otherwise (the mail loops or goes elsewhere)."""
    local = set(mail.locals or [mail.me])
    virtual = set(mail.virtualdomains)
    if "" in virtual:
        return []
    suffixes = [d for d in virtual if d.startswith(".")]
    return [
        host
        for host in mail.rcpthosts
        if host not in local and host not in virtual and not any(host.endswith(s) for s in suffixes)
    ]
