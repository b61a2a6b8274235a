"""qmail's rcpthosts.c: the domains a host takes mail for (control/rcpthosts and
control/morercpthosts.cdb), as qmail-smtpd and the qmail-srs patch ask it."""

from __future__ import annotations

from .. import cdb
from . import control


class RcptHosts:
    """Both files, read once as rcpthosts_init() does: a missing morercpthosts.cdb is
    no error, an unreadable one is (OSError)."""

    def __init__(self) -> None:
        hosts = control.readlist("rcpthosts")
        self.hosts = None if hosts is None else {h.lower() for h in hosts}
        try:
            self.more: cdb.Reader | None = cdb.Reader.open(control.path("morercpthosts.cdb"))
        except FileNotFoundError:
            self.more = None

    def allow(self, address: str) -> bool:
        """rcpthosts(): true without control/rcpthosts, for an address without @, or
        when its domain or a parent (.suffix) is in either file."""
        if self.hosts is None:
            return True
        at = address.rfind("@")
        if at == -1:
            return True
        host = address[at + 1 :].lower()
        suffixes = [host[j:] for j in range(len(host)) if j == 0 or host[j] == "."]
        if any(s in self.hosts for s in suffixes):
            return True
        return self.more is not None and any(s.encode() in self.more for s in suffixes)
