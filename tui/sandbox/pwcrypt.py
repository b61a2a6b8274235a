"""NetBSD libcrypt's ``$sha1$`` password hash (crypt-sha1.c), the default of NetBSD 7 and 9.

Format ``$sha1$<iterations>$<salt>$<28 chars>``: HMAC-SHA1 keyed with the password over
``<salt>$sha1$<iterations>``, then iterated over its own digest; the 20 bytes are
written in crypt's base-64 (``./0-9A-Za-z``, low bits first), three bytes per four
characters, the last group padded with byte 0.  Other formats ($1$, $2a$, DES) are
not simulated: a stored hash in them never matches.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

MAGIC = "$sha1$"
ITERATIONS = 24680
ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _to64(value: int, count: int) -> str:
    out = []
    for _ in range(count):
        out.append(ITOA64[value & 0x3F])
        value >>= 6
    return "".join(out)


def iterations(hint: int = 0) -> int:
    """__crypt_sha1_iterations: slightly less than the hint (default 24680)."""
    if hint < 4:
        hint = ITERATIONS
    return hint - secrets.randbelow(hint // 4) if hint >= 4 else hint


def gensalt(rounds: int = 0) -> str:
    """pwhash's salt for $sha1$: iterations, 8 salt characters from two random words."""
    return (
        f"{MAGIC}{iterations(rounds)}$"
        f"{_to64(secrets.randbits(32), 4)}{_to64(secrets.randbits(32), 4)}$"
    )


def sha1_crypt(password: str, setting: str) -> str | None:
    """crypt(password, setting) for a ``$sha1$N$salt[$...]`` setting; None if malformed."""
    if not setting.startswith(MAGIC):
        return None
    count, sep, rest = setting[len(MAGIC) :].partition("$")
    if not sep or not count.isdigit():
        return None
    rounds = int(count)
    salt = rest.split("$", 1)[0]
    key = password.encode("utf-8", "surrogateescape")
    digest = hmac.new(key, f"{salt}{MAGIC}{rounds}".encode(), hashlib.sha1).digest()
    for _ in range(1, rounds):
        digest = hmac.new(key, digest, hashlib.sha1).digest()
    text = "".join(
        _to64((digest[i] << 16) | (digest[i + 1] << 8) | digest[i + 2], 4) for i in range(0, 18, 3)
    )
    text += _to64((digest[18] << 16) | (digest[19] << 8) | digest[0], 4)
    return f"{MAGIC}{rounds}${salt}${text}"


def matches(password: str, stored: str) -> bool:
    """Whether ``password`` hashes to ``stored`` (only the $sha1$ format is simulated)."""
    computed = sha1_crypt(password, stored)
    return computed is not None and hmac.compare_digest(computed, stored)
