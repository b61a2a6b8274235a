"""Who gets a local address: qmail-lspawn's users/cdb lookup, then qmail-getpw.

The result is qmail-local's (user, uid, gid, home, dash, ext).  Failures raise
:class:`LookupFailure` carrying qmail-lspawn's report text.
"""

from __future__ import annotations

import os
import pwd
from collections import namedtuple

from .. import cdb
from . import accounts
from .control import USERS

BREAK = "-"  # conf-break


class LookupFailure(Exception):
    """``str(exc)`` is qmail-lspawn's report (Z temporary, D permanent)."""


class Target(namedtuple("Target", "user uid gid home dash ext")):
    __slots__ = ()
    user: str
    uid: int
    gid: int
    home: str
    dash: str
    ext: str


def _from_cdb(local: str) -> Target | None:
    path = os.path.join(USERS, "cdb")
    try:
        db = cdb.Reader.open(path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        raise LookupFailure("ZTrouble reading users/cdb in qmail-lspawn.") from None
    wild = db.get(b"")
    if wild is None:
        raise LookupFailure("ZTrouble reading users/cdb in qmail-lspawn.")
    lower = ("!" + local).lower().encode() + b"\0"
    i, flagwild = len(lower), False
    while i:
        if not flagwild or i == 1 or lower[i - 1 : i] in [bytes([c]) for c in wild]:
            data = db.get(lower[:i])
            if data is not None:
                fields = data.split(b"\0")
                if len(fields) < 6:
                    raise LookupFailure("ZInternal qmail-lspawn bug.")
                ext = fields[5].decode()
                if flagwild:
                    ext += local[i - 1 :]
                return Target(
                    fields[0].decode(),
                    int(fields[1] or 0),
                    int(fields[2] or 0),
                    fields[3].decode(),
                    fields[4].decode(),
                    ext,
                )
        i -= 1
        flagwild = True
    return None


def _getpw(local: str) -> Target:
    """qmail-getpw: longest dash-prefix naming a user with uid != 0 who owns his home."""
    end = len(local)
    while True:
        if end < 32 and (end == len(local) or local[end] == BREAK):
            try:
                pw = pwd.getpwnam(local[:end].lower())
            except KeyError:
                pw = None
            if pw and pw.pw_uid:
                try:
                    owner = os.stat(pw.pw_dir).st_uid
                except OSError:
                    owner = None
                if owner == pw.pw_uid:
                    rest = local[end:]
                    dash, ext = ("-", rest[1:]) if rest else ("", "")
                    return Target(pw.pw_name, pw.pw_uid, pw.pw_gid, pw.pw_dir, dash, ext)
        if end == 0:
            break
        end -= 1
    try:
        pw = pwd.getpwnam(accounts.name("QMAIL_ALIAS_USER"))
    except KeyError:
        raise LookupFailure("ZUnable to find alias user!") from None
    return Target(pw.pw_name, pw.pw_uid, pw.pw_gid, pw.pw_dir, "-", local)


def lookup(local: str) -> Target:
    return _from_cdb(local) or _getpw(local)
