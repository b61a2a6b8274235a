"""qmail control files, read as qmail's control.c does (qmail-control(5)).

Single-value files (``me``, ``defaultdomain``, ...): the first line, trailing spaces,
tabs and newline removed; ``#`` is not special there.  List files (``locals``,
``rcpthosts``, ``virtualdomains``, ...): every line with trailing white space removed,
skipping empty lines and lines starting with ``#``.  Edits keep comments, blank lines
and untouched entries byte-identical.
"""

from __future__ import annotations

from .text import lines as text_lines
from .text import rows as text_rows


def _strip(row: str) -> str:
    return row.rstrip(" \t\n")


def value(text: str) -> str:
    """A single-value file's value (control_readline)."""
    return _strip(text.split("\n", 1)[0])


def lines(text: str) -> list[str]:
    """A list file's entries (control_readfile)."""
    return [entry for entry in map(_strip, text_lines(text)) if entry and entry[0] != "#"]


def virtualdomains(text: str) -> dict[str, str]:
    """{domain: prefix} of ``virtualdomains`` (entries without ``:`` are ignored)."""
    found: dict[str, str] = {}
    for entry in lines(text):
        domain, colon, prefix = entry.partition(":")
        if colon:
            found.setdefault(domain, prefix)
    return found


def render_value(new: str, old_text: str = "") -> str:
    """A single-value file holding ``new``: the first line replaced, the lines after it
    (e.g. pkgsrc's ``# This file was auto-generated`` note) kept."""
    _check(new, "value")
    if old_text and value(old_text) == new:
        return old_text
    rest = old_text.split("\n", 1)[1] if "\n" in old_text else ""
    return new + "\n" + rest


def render_list(values, old_text: str = "") -> str:
    """A list file holding ``values`` in order, one per line: comments and blank lines
    stay where they are, entries still wanted keep their bytes, new ones go in order
    around them (comments go first only when the kept entries must be reordered).
    Unchanged entries return ``old_text`` itself."""
    wanted: dict[str, str] = {}
    for entry in values:
        _check(entry, "entry")
        if entry.startswith("#"):
            raise ValueError(f"control file entry {entry!r} would be read as a comment")
        wanted.setdefault(entry, entry)
    return _merge(old_text, wanted, lambda entry: None if entry[0] == "#" else entry, str.__eq__)


def render_virtualdomains(mapping: dict[str, str], old_text: str = "") -> str:
    """``virtualdomains`` holding ``domain:prefix`` for each entry of ``mapping``, merged
    like :func:`render_list`; domains compare case-insensitively, like qmail-send."""
    wanted: dict[str, str] = {}
    for domain, prefix in mapping.items():
        _check(f"{domain}:{prefix}", "virtualdomains entry")
        if ":" in domain or domain.startswith("#"):
            raise ValueError(f"virtualdomains: {domain!r} is not a domain")
        wanted.setdefault(domain.lower(), f"{domain}:{prefix}")

    def key(entry):
        domain, colon, _ = entry.partition(":")
        return domain.lower() if colon and entry[0] != "#" else None

    def same(old, new):
        return key(old) == key(new) and old.partition(":")[2] == new.partition(":")[2]

    return _merge(old_text, wanted, key, same)


def _check(entry: str, what: str) -> None:
    if not entry or "\n" in entry or _strip(entry) != entry:
        raise ValueError(
            f"control file {what} {entry!r} must be one non-empty line without trailing white space"
        )


def _merge(old_text: str, wanted: dict, key, same) -> str:
    """``old_text`` with its entries made ``wanted`` ({key: line}, in order).
    ``key(entry)`` is None for a line that is no entry; ``same(old, new)`` says an old
    entry already reads as the new line (then its bytes are kept)."""
    rows = text_rows(old_text)
    order = list(wanted)
    entries = {}  # row index -> stripped entry
    for index, row in enumerate(rows):
        entry = _strip(row)
        if entry and key(entry) is not None:
            entries[index] = entry
    if len(entries) == len(order) and all(
        same(entry, wanted[k]) for entry, k in zip(entries.values(), order)
    ):
        return old_text
    slot: dict[int, str] = {}  # row index -> kept key
    for index, entry in entries.items():
        k = key(entry)
        if k in wanted and k not in slot.values():
            slot[index] = k
    kept = list(slot.values())
    position = {k: i for i, k in enumerate(order)}
    if [position[k] for k in kept] != sorted(position[k] for k in kept):
        others = [row for index, row in enumerate(rows) if index not in entries]
        return "".join(_terminated(others) + [wanted[k] + "\n" for k in order])
    out, nxt = [], 0
    for index, row in enumerate(rows):
        if index not in entries:
            out.append(row)
        elif index in slot:
            k = slot[index]
            out += [wanted[order[j]] + "\n" for j in range(nxt, position[k])]
            nxt = position[k] + 1
            out.append(row if same(entries[index], wanted[k]) else wanted[k] + "\n")
    return "".join(_terminated(out) + [wanted[order[j]] + "\n" for j in range(nxt, len(order))])


def _terminated(rows: list[str]) -> list[str]:
    if rows and not rows[-1].endswith("\n"):
        rows = rows[:-1] + [rows[-1] + "\n"]
    return rows
