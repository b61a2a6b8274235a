"""D. J. Bernstein's constant database (cdb) format: writer and reader.

Files are byte-compatible with djb's cdbmake/cdb_make (as used by tcprules,
qmail-newu and qmail-newmrh): a 2048-byte header of 256 (position, slots) pairs,
the records (key length, data length, key, data), then 256 hash tables of
(hash, position) slots; all numbers little-endian 32-bit.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator

_PAIR = struct.Struct("<LL")


def cdb_hash(key: bytes) -> int:
    h = 5381
    for byte in key:
        h = ((h << 5) + h) & 0xFFFFFFFF
        h ^= byte
    return h


def dumps(records: Iterable[tuple[bytes, bytes]]) -> bytes:
    """The cdb image of ``records`` (kept in order; duplicate keys allowed)."""
    body = bytearray()
    pos = 2048
    tables: list[list[tuple[int, int]]] = [[] for _ in range(256)]
    for key, data in records:
        body += _PAIR.pack(len(key), len(data)) + key + data
        h = cdb_hash(key)
        tables[h & 255].append((h, pos))
        pos += 8 + len(key) + len(data)
    header = bytearray()
    tail = bytearray()
    for entries in tables:
        slots = 2 * len(entries)
        header += _PAIR.pack(pos + len(tail), slots)
        table = [(0, 0)] * slots
        for h, rpos in entries:
            i = (h >> 8) % slots
            while table[i][1]:
                i = (i + 1) % slots
            table[i] = (h, rpos)
        for h, rpos in table:
            tail += _PAIR.pack(h, rpos)
    if pos + len(tail) > 0xFFFFFFFF:
        raise OverflowError("cdb too large")
    return bytes(header + body + tail)


def write(
    path: str, tmp: str, records: Iterable[tuple[bytes, bytes]]
) -> tuple[str, OSError] | None:
    """Write the cdb of ``records`` to ``tmp`` (mode 0644), fsync, rename over ``path``.

    None on success, else the step that failed ("open", "write" or "move") and its error.
    """
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    except OSError as exc:
        return "open", exc
    try:
        try:
            os.write(fd, dumps(records))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        return "write", exc
    try:
        os.rename(tmp, path)
    except OSError as exc:
        return "move", exc
    return None


class Reader:
    """Look up keys in a cdb image (bytes) or file."""

    def __init__(self, data: bytes):
        if len(data) < 2048:
            raise ValueError("truncated cdb")
        self.data = data

    @classmethod
    def open(cls, path: str) -> Reader:
        with open(path, "rb") as fh:
            return cls(fh.read())

    def _pair(self, pos: int) -> tuple[int, int]:
        if pos + 8 > len(self.data):
            raise ValueError("truncated cdb")
        return _PAIR.unpack_from(self.data, pos)

    def get_all(self, key: bytes) -> Iterator[bytes]:
        h = cdb_hash(key)
        tpos, slots = self._pair((h & 255) * 8)
        if not slots:
            return
        i = (h >> 8) % slots
        for _ in range(slots):
            sh, rpos = self._pair(tpos + 8 * i)
            if not rpos:
                return
            if sh == h:
                klen, dlen = self._pair(rpos)
                if self.data[rpos + 8 : rpos + 8 + klen] == key:
                    yield self.data[rpos + 8 + klen : rpos + 8 + klen + dlen]
            i = (i + 1) % slots

    def get(self, key: bytes) -> bytes | None:
        return next(self.get_all(key), None)

    def __contains__(self, key: bytes) -> bool:
        return self.get(key) is not None

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        """Every record in file order (like cdbdump)."""
        pos, end = 2048, self._pair(0)[0]
        while pos < end:
            klen, dlen = self._pair(pos)
            yield (
                self.data[pos + 8 : pos + 8 + klen],
                self.data[pos + 8 + klen : pos + 8 + klen + dlen],
            )
            pos += 8 + klen + dlen
