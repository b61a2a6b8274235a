"""The names and the end of validity of an X.509 certificate in DER (what a TLS
handshake hands over), read with a minimal DER walker: Python's ``ssl`` decodes a
peer's certificate only after verifying it, and a self-signed one does not verify."""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass

CN = bytes.fromhex("550403")  # 2.5.4.3 commonName
SAN = bytes.fromhex("551d11")  # 2.5.29.17 subjectAltName
DNS_NAME = 0x82  # GeneralName dNSName [2] IMPLICIT IA5String


class CertError(ValueError):
    """The bytes are not a certificate this reader understands."""


@dataclass(frozen=True)
class CertInfo:
    common_names: tuple[str, ...]
    dns_names: tuple[str, ...]
    not_after: dt.datetime  # UTC

    def names(self) -> tuple[str, ...]:
        return self.dns_names + tuple(n for n in self.common_names if n not in self.dns_names)

    def names_host(self, name: str) -> bool:
        """Whether a SAN dNSName (or, without SAN, the CN) matches ``name`` (a leading
        ``*.`` matches one label, as RFC 6125 allows)."""
        wanted = name.lower().rstrip(".")
        for given in self.dns_names or self.common_names:
            pattern = given.lower().rstrip(".")
            if pattern == wanted or (
                pattern.startswith("*.") and wanted.partition(".")[2] == pattern[2:]
            ):
                return True
        return False


def _items(data: bytes) -> list[tuple[int, bytes]]:
    """The (tag, value) TLVs of ``data``, in order."""
    found, at = [], 0
    while at < len(data):
        if at + 2 > len(data):
            raise CertError("truncated DER")
        tag, size, at = data[at], data[at + 1], at + 2
        if size & 0x80:
            count = size & 0x7F
            if not 0 < count <= 4 or at + count > len(data):
                raise CertError("bad DER length")
            size, at = int.from_bytes(data[at : at + count], "big"), at + count
        if at + size > len(data):
            raise CertError("truncated DER")
        found.append((tag, data[at : at + size]))
        at += size
    return found


def _time(tag: int, value: bytes) -> dt.datetime:
    text = value.decode("ascii", "replace").rstrip("Z")
    form = "%y%m%d%H%M%S" if tag == 0x17 else "%Y%m%d%H%M%S"
    try:
        return dt.datetime.strptime(text, form).replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise CertError(f"bad time {text!r}") from None


def _common_names(name: bytes) -> list[str]:
    found = []
    for _set_tag, rdn in _items(name):
        for _seq_tag, attribute in _items(rdn):
            parts = _items(attribute)
            if len(parts) == 2 and parts[0] == (0x06, CN):
                found.append(parts[1][1].decode("utf-8", "replace"))
    return found


def _dns_names(extensions: bytes) -> list[str]:
    for _tag, extension in _items(_items(extensions)[0][1]):
        parts = _items(extension)
        if parts and parts[0] == (0x06, SAN):
            names = _items(_items(parts[-1][1])[0][1])
            return [v.decode("ascii", "replace") for t, v in names if t == DNS_NAME]
    return []


def parse(der: bytes) -> CertInfo:
    """Subject CNs, SAN dNSNames and notAfter of the certificate ``der``."""
    try:
        tbs = _items(_items(_items(der)[0][1])[0][1])
        fields = tbs[1:] if tbs[0][0] == 0xA0 else tbs  # [0] version is optional
        validity, subject = _items(fields[3][1]), fields[4][1]
        extensions = next((v for t, v in fields[6:] if t == 0xA3), b"")
        return CertInfo(
            tuple(_common_names(subject)),
            tuple(_dns_names(extensions)) if extensions else (),
            _time(*validity[1]),
        )
    except (IndexError, CertError) as exc:
        raise CertError(f"not a certificate qmail-wizard can read ({exc})") from None


def from_pem(text: str) -> CertInfo:
    """The first certificate of a PEM file (servercert.pem holds the key too)."""
    found = re.search(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, re.S)
    if not found:
        raise CertError("no PEM certificate in it")
    try:
        der = base64.b64decode("".join(found.group(1).split()), validate=True)
    except ValueError as exc:
        raise CertError(f"bad PEM base64 ({exc})") from None
    return parse(der)
