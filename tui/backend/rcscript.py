"""What an installed rc.d script reads: its rc.conf knobs and their defaults, the address
its tcpserver binds (a knob pair or a fixed one), and the account its logger runs as.

Learnt from the script text itself, since qmail-run's scripts differ by revision (e.g.
qmailqread.sh 1.8.12.1 fixes ``127.0.0.1 20025``; rev 1.13 reads ``_tcphost``/``_tcpport``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: ``: ${name_knob:="default"}`` (also ``:=`` without quotes, ``=`` and single quotes).
_DEFAULT = re.compile(r"""^[ \t]*:[ \t]+\$\{(\w+):?=("[^"]*"|'[^']*'|[^}]*)\}""", re.M)
#: Two adjacent words, each a ``${variable}`` or a literal: candidate host and port.
_PAIR = re.compile(r"(?<![^\s])(\$\{\w+\}|[\w.:]+)[ \t\n]+(\$\{\w+\}|\d+)(?=\s)")
_ADDRESS = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}|0|[0-9a-fA-F]*:[0-9a-fA-F:]*$")
_LOG_USER = re.compile(r"setuidgid[ \t]+(\$\{\w+\}|[\w.-]+)[ \t]")


@dataclass(frozen=True)
class ListenSpec:
    """Where a service binds: the value as the script defaults it, and the knob that
    overrides it (None when the script fixes the value)."""

    host: str
    port: str
    host_knob: str | None
    port_knob: str | None


def knob_defaults(text: str) -> dict[str, str]:
    """{knob: default} of the script's ``: ${knob:=default}`` lines, quotes removed."""
    found = {}
    for name, raw in _DEFAULT.findall(text or ""):
        quoted = raw[:1] in "\"'" and raw[-1:] == raw[:1]
        found[name] = raw[1:-1] if quoted else raw
    return found


def listen_spec(text: str, name: str) -> ListenSpec | None:
    """The host/port pair the script hands its server, or None if there is none: two
    adjacent words, each a ``<name>_…`` knob (with a default) or a literal, whose values
    are an address and a port number."""
    defaults = knob_defaults(text)

    def resolve(word: str) -> tuple[str | None, str | None]:
        if not word.startswith("${"):
            return word, None
        knob = word[2:-1]
        return (defaults.get(knob), knob) if knob.startswith(f"{name}_") else (None, None)

    for match in _PAIR.finditer(text or ""):
        (host, host_knob), (port, port_knob) = map(resolve, match.groups())
        if host is not None and port is not None and _ADDRESS.fullmatch(host) and port.isdigit():
            return ListenSpec(host, port, host_knob, port_knob)
    return None


def log_users(text: str) -> set[str]:
    """The literal accounts the script's loggers run as (``setuidgid <user>``)."""
    return {user for user in _LOG_USER.findall(text or "") if not user.startswith("$")}
