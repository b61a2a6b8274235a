"""Lines as NetBSD's programs read them: only a newline ends one.

``str.splitlines`` also breaks at ``\\r``, ``\\v``, ``\\f``, ``\\x1c``-``\\x1e``, ``\\x85``,
``\\u2028`` and ``\\u2029``, which sh, rc.subr and qmail keep inside a line; an editor that
split there would read and rewrite a different file than the host's programs see.
"""

from __future__ import annotations


def rows(text: str) -> list[str]:
    """The lines of ``text`` with their newlines (the last may have none)."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def lines(text: str) -> list[str]:
    """The lines of ``text`` without their newlines."""
    return [row[:-1] if row.endswith("\n") else row for row in rows(text)]
