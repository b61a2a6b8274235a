"""Dump a profile as readable YAML: every effective value written out, in DESIGN §6
order, with a comment on the keys that need one; ``load(dump(p)) == p``."""

from __future__ import annotations

import dataclasses
import json
import re

import yaml

from .model import Profile

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
    ("mail", "aliases"): "name: target or [targets]; root, postmaster, mailer-daemon "
    "left out: to the admin",
    ("mail", "relay_from"): "tcp.smtp rules that get RELAYCLIENT",
    ("mail", "smtp_auth"): "SMTP AUTH with the system password (relay after login)",
    ("mail", "srs"): "needs qmail-srs; the secret is made on the host",
    ("mail", "smtproutes"): 'domain: host[:port]; "" = every other domain',
    ("mail", "databytes"): "largest message accepted, in bytes; 0 = no limit",
    ("tls", "certificate"): "'' (none), self-signed, or a PEM path on the host",
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
