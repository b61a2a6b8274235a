"""The ground floor: facts of a NetBSD host with pkgsrc's qmail, shared by every room.

Paths (facts §3-§6), the qmail services in their one order, rc.subr's notion of
"yes", and rc.conf values as /etc/rc sees them (/etc/rc.conf over
/etc/defaults/rc.conf, ``${x:-y}`` expanded).  Imports nothing of the project but
the rc.conf parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .files import rcconf

SYSCONF = "/usr/pkg/etc/qmail"  # PKG_SYSCONFDIR of qmail and qmail-run
CONTROL = f"{SYSCONF}/control"
ALIAS_DIR = f"{SYSCONF}/alias"  # the alias user's home (~alias/.qmail-*)
QMAILDIR = "/var/qmail"
QUEUE = f"{QMAILDIR}/queue"
MAILLOG = "/var/log/maillog"
PKGSRC = "/usr/pkgsrc/mail"
RC_CONF = "/etc/rc.conf"
RC_DEFAULTS = "/etc/defaults/rc.conf"
MAILER_CONF = "/etc/mailer.conf"
#: the mailer.conf qmail-run ships (what "points at qmail" means)
QMAIL_EXAMPLE_MAILER = "/usr/pkg/share/examples/qmail-run/mailer.conf"

#: qmail-run's rc.d services, in the one order every list and table uses
SERVICES = ("qmailsend", "qmailsmtpd", "qmailqread", "qmailpop3d", "qmailofmipd")
#: the services that listen on a socket (all but qmail-send)
LISTENERS = SERVICES[1:]

#: rc.subr's checkyesno: these words, in any case, are "yes"
YES = frozenset({"yes", "true", "on", "1"})
EXPANSION = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-=])(.*)\}$")


def is_yes(value: str | None) -> bool:
    """Whether rc.subr reads ``value`` as yes (None, unset, is no)."""
    return (value or "").lower() in YES


@dataclass(frozen=True)
class RcSetting:
    """One rc.conf variable: its value as /etc/rc sees it, as written, and where."""

    value: str
    unexpanded: str  # as sh assigns it (``${_rc_d_postfix:-YES}`` stays so)
    where: str  # path:line of the assignment in force


class RcConf:
    """rc.conf values as /etc/rc sees them: /etc/rc.conf over /etc/defaults/rc.conf.
    A file sh could not read gives no values."""

    def __init__(self, conf: str, defaults: str):
        self.layers = [
            (RC_CONF, conf, self._parse(conf)),
            (RC_DEFAULTS, defaults, self._parse(defaults)),
        ]

    @staticmethod
    def _parse(text: str) -> dict[str, rcconf.Assignment]:
        try:
            return {a.name: a for a in rcconf.assignments(text)}
        except ValueError:
            return {}

    def setting(self, var: str) -> RcSetting | None:
        """The assignment in force for ``var`` (None when unset)."""
        for path, text, found in self.layers:
            if var in found:
                assigned = found[var].value
                line = text.count("\n", 0, found[var].start) + 1
                return RcSetting(self._expand(assigned, 0), assigned, f"{path}:{line}")
        return None

    def value(self, var: str) -> str | None:
        """The value (``${x:-word}`` expanded); None when unset."""
        setting = self.setting(var)
        return None if setting is None else setting.value

    def yes(self, var: str) -> bool:
        return is_yes(self.value(var))

    def _lookup(self, var: str, depth: int) -> str | None:
        for _path, _text, found in self.layers:
            if var in found:
                return self._expand(found[var].value, depth)
        return None

    def _expand(self, assigned: str, depth: int) -> str:
        match = EXPANSION.match(assigned)
        if not match or depth >= 8:
            return assigned
        inner = self._lookup(match[1], depth + 1)
        if inner is None or (inner == "" and match[2].startswith(":")):
            return match[3]
        return inner
