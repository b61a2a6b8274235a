"""The qmail-srs patch (0.8, Marcelo Coelho): srs.c's srsforward/srsreverse over libsrs2.

Both read the ``srs_*`` control files and answer the patch's codes: ``(1, address)``
rewritten, ``(0, None)`` nothing to do (no ``srs_domain``; for forward also a null
or local sender), ``(-1, None)`` controls unreadable, ``(-3, "SRS: <libsrs2 text>")``.
The address format, hash and timestamp are libsrs2's: ``SRS0=HHHH=TT=domain=local@alias``
(HMAC-SHA1 of the lower-cased fields with the first secret, the first ``hashlength``
characters of its base64; the day number in two base32 characters).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from . import control
from .rcpthosts import RcptHosts

TIME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
TIME_SLOTS = 1 << 10
DAY = 86400
SEPARATORS = "=-+"

#: libsrs2 srs_strerror() texts of the errors these paths can meet.
ERRORS = {
    "nosecrets": "No secrets in SRS configuration.",
    "noat": "No at sign in sender address",
    "notsrs": "Not an SRS address.",
    "nohash0": "No hash in SRS0 address.",
    "nostamp": "No timestamp in SRS0 address.",
    "nohost0": "No host in SRS0 address.",
    "nouser0": "No user in SRS0 address.",
    "nohash1": "No hash in SRS1 address.",
    "nohost1": "No host in SRS1 address.",
    "nouser1": "No user in SRS1 address.",
    "badstamp": "Bad base32 character in timestamp.",
    "old": "Time stamp out of date.",
    "short": "Hash too short in SRS address.",
    "badhash": "Hash invalid in SRS address.",
}


class SRSError(Exception):
    """A libsrs2 error; ``str(exc)`` is its srs_strerror() text."""

    def __init__(self, key: str):
        super().__init__(ERRORS[key])


class Config:
    """The patch's setup(): srs_domain, srs_secrets and the optional parameters."""

    def __init__(self, domain: str, secrets: list[str] | None = None) -> None:
        self.domain = domain
        self.secrets: list[str] = secrets or []
        self.maxage = 21
        self.hashlength = 4
        self.hashmin = 4
        self.alwaysrewrite = False
        self.separator = "="

    @classmethod
    def read(cls) -> Config | None:
        """None when control/srs_domain is missing or empty (SRS is off)."""
        domain = control.readline("srs_domain")
        if not domain:
            return None
        cfg = cls(domain, control.readlist("srs_secrets") or [])
        maxage = control.readint("srs_maxage", 0)
        length = control.readint("srs_hashlength", 0)
        hashmin = control.readint("srs_hashmin", 0)
        if maxage > 0:
            cfg.maxage = maxage
        if length > 0:
            cfg.hashlength = cfg.hashmin = length
        if hashmin > 0:
            cfg.hashmin = min(hashmin, cfg.hashlength)
        cfg.alwaysrewrite = bool(control.readint("srs_alwaysrewrite", 0))
        separator = control.readline("srs_separator") or ""
        if separator[:1] in tuple(SEPARATORS):
            cfg.separator = separator[0]
        return cfg

    # -- libsrs2 ------------------------------------------------------------------
    def _hash(self, secret: str, *fields: str) -> str:
        mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
        for text in fields:
            mac.update(text.lower().encode())
        return base64.b64encode(mac.digest()).decode()[: self.hashlength]

    def hash_create(self, *fields: str) -> str:
        if not self.secrets:
            raise SRSError("nosecrets")
        return self._hash(self.secrets[0], *fields)

    def hash_check(self, given: str, *fields: str) -> None:
        if len(given) < self.hashmin:
            raise SRSError("short")
        n = min(len(given), self.hashlength)
        for secret in self.secrets:
            if self._hash(secret, *fields)[:n].lower() == given[:n].lower():
                return
        raise SRSError("badhash")

    def stamp_check(self, stamp: str) -> None:
        then = 0
        for ch in stamp:
            if ch not in TIME_CHARS:
                raise SRSError("badstamp")
            then = (then << 5) | TIME_CHARS.index(ch)
        now = (int(time.time()) // DAY) % TIME_SLOTS
        while now < then:
            now += TIME_SLOTS
        if now > then + self.maxage:
            raise SRSError("old")

    def forward(self, sender: str, alias: str) -> str:
        """srs_forward(): SRS0 for a plain sender, SRS1 for an SRS0/SRS1 one."""
        user, at, host = sender.partition("@")
        if not at:
            raise SRSError("noat")
        alias = alias.rpartition("@")[2]
        if not self.alwaysrewrite and host.lower() == alias.lower():
            return sender
        sep = self.separator
        tag, rest = user[:4].upper(), user[5:]
        if tag == "SRS1" and user[4:5] in SEPARATORS:
            if not rest:
                raise SRSError("nohash1")
            srshost, _, srsuser = rest.partition("=")[2].partition("=")
            if not srshost:
                raise SRSError("nohost1")
            if not srsuser:
                raise SRSError("nouser1")
            return f"SRS1{sep}{self.hash_create(srshost, srsuser)}={srshost}={srsuser}@{alias}"
        if tag == "SRS0" and user[4:5] in SEPARATORS:
            srsuser = user[4:]
            return f"SRS1{sep}{self.hash_create(host, srsuser)}={host}={srsuser}@{alias}"
        day = int(time.time()) // DAY
        stamp = TIME_CHARS[(day >> 5) & 31] + TIME_CHARS[day & 31]
        return f"SRS0{sep}{self.hash_create(stamp, host, user)}={stamp}={host}={user}@{alias}"

    def reverse(self, address: str) -> str:
        """srs_reverse(): the address an SRS0 (or SRS1) address stands for."""
        user = address.partition("@")[0]
        if user[:3].upper() != "SRS":
            raise SRSError("notsrs")
        if user[:4].upper() == "SRS1":
            srshash, _, rest = user[5:].partition("=")
            srshost, _, srsuser = rest.partition("=")
            if not srshash:
                raise SRSError("nohash1")
            if not srshost:
                raise SRSError("nohost1")
            if not srsuser:
                raise SRSError("nouser1")
            self.hash_check(srshash, srshost, srsuser)
            return f"SRS0{srsuser}@{srshost}"
        if user[:4].upper() != "SRS0":
            raise SRSError("notsrs")
        parts = user[5:].split("=", 3)
        for i, key in enumerate(("nohash0", "nostamp", "nohost0", "nouser0")):
            if len(parts) <= i or not parts[i]:
                raise SRSError(key)
        srshash, stamp, host, local = parts
        self.stamp_check(stamp)
        self.hash_check(srshash, stamp, host, local)
        return f"{local}@{host}"


def _run(step) -> tuple[int, str | None]:
    try:
        cfg = Config.read()
    except OSError:
        return -1, None
    if cfg is None:
        return 0, None
    try:
        return step(cfg)
    except SRSError as exc:
        return -3, f"SRS: {exc}"
    except OSError:
        return -1, None


def srsforward(address: str) -> tuple[int, str | None]:
    """srs.c srsforward(): rewrite a forwarded message's envelope sender."""

    def step(cfg: Config):
        if len(address) <= 1:
            return 0, None
        if not cfg.alwaysrewrite and RcptHosts().allow(address):
            return 0, None
        return 1, cfg.forward(address, cfg.domain)

    return _run(step)


def srsreverse(address: str) -> tuple[int, str | None]:
    """srs.c srsreverse(): the original sender of an SRS address."""

    def step(cfg: Config):
        if len(address) <= 1:
            return -3, ""
        return 1, cfg.reverse(address)

    return _run(step)


def domain() -> str | None:
    """qmail-send's control/srs_domain (None when empty or missing)."""
    return control.readline("srs_domain") or None
