"""qmail's control files (qmail-control(5)): where they are and how they are read."""

from __future__ import annotations

import os

from ..flavors import QMAILDIR

CONTROL = os.path.join(QMAILDIR, "control")
USERS = os.path.join(QMAILDIR, "users")
ALIAS = os.path.join(QMAILDIR, "alias")
BIN = os.path.join(QMAILDIR, "bin")


def path(name: str) -> str:
    return os.path.join(CONTROL, name)


def readline(name: str, default: str | None = None) -> str | None:
    """First line without trailing white space; ``default`` when the file is missing."""
    try:
        with open(path(name), errors="replace") as fh:
            line = fh.readline()
    except FileNotFoundError:
        return default
    return line.rstrip(" \t\r\n")


def readlist(name: str) -> list[str] | None:
    """Non-empty, non-comment lines; None when the file is missing."""
    try:
        with open(path(name), errors="replace") as fh:
            lines = [line.rstrip(" \t\r\n") for line in fh]
    except FileNotFoundError:
        return None
    return [line for line in lines if line and not line.startswith("#")]


def readint(name: str, default: int) -> int:
    value = readline(name)
    if value is None:
        return default
    digits = ""
    for ch in value:
        if not ch.isdigit():
            break
        digits += ch
    return int(digits or 0)


def me() -> str | None:
    return readline("me")


def with_me(name: str, fallback: str | None = None) -> str | None:
    """A control file whose default is ``me`` (defaulthost, bouncehost, ...)."""
    value = readline(name)
    if value is not None:
        return value
    return me() or fallback


def locals_() -> set[str]:
    values = readlist("locals")
    if values is None:
        name = me()
        values = [name] if name else []
    return {v.lower() for v in values}


def virtualdomains() -> dict[str, str]:
    found = {}
    for line in readlist("virtualdomains") or []:
        domain, sep, prefix = line.partition(":")
        if sep:
            found[domain.lower()] = prefix
    return found
