"""ucspi-tcp access rules: tcprules' source syntax and cdb keys, tcpserver's lookup."""

from __future__ import annotations

from .. import cdb


class RuleError(ValueError):
    """A line tcprules cannot parse (``str(exc)`` is the line)."""


def parse_line(line: str) -> list[tuple[bytes, bytes]]:
    """One rules line -> cdb records (address ranges like ``1.2.3.4-7`` expand)."""
    text = line.rstrip(" \t\n")
    colon = 0
    while True:
        found = text.find(":", colon)
        if found == -1:
            raise RuleError(text)
        colon = found
        if text.startswith("deny", colon + 1) or text.startswith("allow", colon + 1):
            break
        colon += 1
    address, rest = text[:colon], text[colon + 1 :]
    data = b""
    if rest.startswith("deny"):
        data, rest = b"D", rest[4:]
    else:
        rest = rest[5:]
    while rest:
        if rest[0] != ",":
            raise RuleError(text)
        eq = rest.find("=")
        if eq == -1 or eq + 1 >= len(rest):
            raise RuleError(text)
        name, quote = rest[1:eq], rest[eq + 1]
        end = rest.find(quote, eq + 2)
        if end == -1:
            raise RuleError(text)
        data += b"+" + f"{name}={rest[eq + 2 : end]}".encode() + b"\0"
        rest = rest[end + 1 :]
    return [(key.encode(), data) for key in _expand(address)]


def _expand(address: str) -> list[str]:
    if "=" in address or "@" in address or "-" not in address:
        return [address]
    dash = address.index("-")
    left = address.rfind(".", 0, dash) + 1
    right = address.find(".", dash)
    right = len(address) if right == -1 else right
    try:
        bottom, top = int(address[left:dash]), min(int(address[dash + 1 : right]), 255)
    except ValueError:
        raise RuleError(address) from None
    return [f"{address[:left]}{n}{address[right:]}" for n in range(bottom, top + 1)]


def compile_rules(lines) -> list[tuple[bytes, bytes]]:
    records = []
    for line in lines:
        if not line.strip("\n") or line.startswith("#"):
            continue
        records += parse_line(line)
    return records


def lookup_keys(ip: str, host: str | None = None, info: str | None = None) -> list[str]:
    """The keys tcpserver tries, in order (rules.c)."""
    keys = []
    if info:
        keys.append(f"{info}@{ip}")
        if host:
            keys.append(f"{info}@={host}")
    keys.append(ip)
    if host:
        keys.append(f"={host}")
    keys += [ip[: i + 1] for i in range(len(ip) - 1, -1, -1) if ip[i] == "."]
    if host:
        keys += [f"={host[i:]}" for i in range(len(host)) if host[i] == "."]
        keys.append("=")
    keys.append("")
    return keys


def match(
    db: cdb.Reader, ip: str, host: str | None = None, info: str | None = None
) -> tuple[str, bytes] | None:
    """(matching key, data) of the first rule that applies, or None."""
    for key in lookup_keys(ip, host, info):
        data = db.get(key.encode())
        if data is not None:
            return key, data
    return None


def instructions(data: bytes) -> tuple[bool, dict[str, str]]:
    """(deny?, environment) from a rule's data, as tcpserver's found() reads it."""
    deny, env = False, {}
    for item in data.split(b"\0"):
        if item.startswith(b"D"):
            deny = True
        elif item.startswith(b"+") and b"=" in item:
            name, _, value = item[1:].partition(b"=")
            env[name.decode()] = value.decode(errors="replace")
    return deny, env
