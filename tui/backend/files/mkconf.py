"""/etc/mk.conf (make(1) syntax): read and set variables, editing in place.

Assignments are ``VAR=``, ``VAR+=``, ``VAR?=``, ``VAR:=`` (``VAR!=`` runs a shell
and is not evaluated); ``#`` starts a comment unless escaped as ``\\#``; a trailing
backslash continues a line.  ``.ifdef BSD_PKG_MK`` holds (pkgsrc defines it),
``.ifndef BSD_PKG_MK`` does not; other conditions are not evaluated (their lines
count).  References such as ``${LOCALBASE}`` are returned and written as they are.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .text import lines as text_lines
from .text import rows as text_rows

NAME_RE = re.compile(r"[A-Za-z0-9_.\-]+")
ASSIGN_RE = re.compile(r"\s*([A-Za-z0-9_.\-]+)\s*(\+=|\?=|:=|!=|=)\s*(.*)$", re.S)
PREFIX_RE = re.compile(r"\s*[A-Za-z0-9_.\-]+\s*=[ \t]*")
DIRECTIVE_RE = re.compile(r"\s*\.\s*([a-z]+)\b\s*(.*)$", re.S)


class Line(NamedTuple):
    first: int  # index of the first physical row
    last: int  # index of the last physical row (continuations)
    code: str  # the logical line without its comment, continuations joined


def get(text: str, var: str) -> str | None:
    """The value of ``var`` after reading ``text`` as make does, or None if unset."""
    value = None
    for name, op, rhs in _effective(text):
        if name != var:
            continue
        if op in ("=", ":="):
            value = rhs
        elif op == "+=":
            value = f"{value} {rhs}" if value else rhs
        elif op == "?=" and value is None:
            value = rhs
    return value


def set_vars(text: str, values: dict[str, str]) -> str:
    """``text`` with each ``var`` evaluating to ``value``.  The last plain ``VAR=``
    line is edited in place (its comment kept); when that cannot give the value (no
    such line, or ``+=`` lines after it) a ``VAR=\\tvalue`` line is added before the
    ``.endif`` of the ``.ifdef BSD_PKG_MK`` block, else at the end.  Nothing is dropped;
    a var that already has its value changes nothing."""
    for var, value in values.items():
        _check(var, value)
        if get(text, var) == value:
            continue
        rows = text_rows(text)
        plain = [line for line in _lines(rows) if _plain(line, var)]
        if plain:
            edited = _replace(rows, plain[-1], value)
            if get(edited, var) == value:
                text = edited
                continue
        new = f"{var}=\t{_escape(value)}\n" if value else f"{var}=\n"
        inserted = _insert(rows, new)
        text = inserted if get(inserted, var) == value else _insert(rows, new, at_end=True)
    return text


def remove_vars(text: str, names) -> str:
    """``text`` without the plain ``VAR=`` assignments of ``names`` (lines the wizard
    would have written); ``+=``/``?=`` lines and everything else stay."""
    names = set(names)
    rows = text_rows(text)
    drop: set[int] = set()
    for line in _lines(rows):
        match = ASSIGN_RE.match(line.code)
        if match and match.group(1) in names and match.group(2) == "=":
            drop.update(range(line.first, line.last + 1))
    return "".join(row for index, row in enumerate(rows) if index not in drop)


def _check(var: str, value: str) -> None:
    if not NAME_RE.fullmatch(var):
        raise ValueError(f"mk.conf: {var!r} is not a make variable name")
    if "\n" in value or value.endswith("\\") or value != value.strip():
        raise ValueError(
            f"mk.conf: {var} cannot be set to {value!r}: one line, "
            "no surrounding white space, not ending in a backslash"
        )


def _escape(value: str) -> str:
    return value.replace("#", "\\#")


def _lines(rows: list[str]) -> list[Line]:
    lines, index = [], 0
    while index < len(rows):
        first, parts = index, []
        while True:
            body = rows[index].rstrip("\n")
            continued = _continues(body)
            parts.append(_strip_comment(body[:-1] if continued else body))
            index += 1
            if not continued or index == len(rows):
                break
        lines.append(Line(first, index - 1, " ".join(p.strip() for p in parts).strip()))
    return lines


def _continues(body: str) -> bool:
    return (len(body) - len(body.rstrip("\\"))) % 2 == 1


def _strip_comment(body: str) -> str:
    index = _comment_at(body)
    return body[:index].replace("\\#", "#")


def _comment_at(body: str) -> int:
    index = 0
    while True:
        index = body.find("#", index)
        if index == -1:
            return len(body)
        if index == 0 or body[index - 1] != "\\":
            return index
        index += 1


def _effective(text: str):
    """(name, op, value) of the assignments make reads, in order."""
    known = []  # per open conditional: True/False when known (BSD_PKG_MK), else None
    for line in _lines(text_lines(text)):
        directive = DIRECTIVE_RE.match(line.code)
        if directive:
            word, rest = directive.groups()
            if word.startswith("if"):
                test = (word, rest.strip())
                known.append(
                    True
                    if test == ("ifdef", "BSD_PKG_MK")
                    else False
                    if test == ("ifndef", "BSD_PKG_MK")
                    else None
                )
            elif word == "else" and known and known[-1] is not None:
                known[-1] = not known[-1]
            elif word == "elif" and known:
                known[-1] = False if known[-1] else None
            elif word == "endif" and known:
                known.pop()
            continue
        match = ASSIGN_RE.match(line.code)
        if match and False not in known and match.group(2) != "!=":
            yield match.groups()


def _plain(line: Line, var: str) -> bool:
    match = ASSIGN_RE.match(line.code)
    return match is not None and match.groups()[:2] == (var, "=")


def _replace(rows: list[str], line: Line, value: str) -> str:
    """``rows`` joined with ``line``'s value replaced (prefix and comment kept)."""
    head = rows[line.first]
    body = head.rstrip("\n")
    end = head[len(body) :] or ("\n" if line.last + 1 < len(rows) else "")
    match = PREFIX_RE.match(body) or PREFIX_RE.match(line.code)
    assert match is not None, "only assignment lines are replaced"
    prefix = match.group()
    tail = ""
    if line.first == line.last:
        at = _comment_at(body)
        code = body[:at]
        tail = code[len(code.rstrip()) :] + body[at:] if at < len(body) else ""
    new = (prefix + _escape(value) if value else prefix.rstrip()) + tail + end
    return "".join(rows[: line.first] + [new] + rows[line.last + 1 :])


def _insert(rows: list[str], new: str, at_end: bool = False) -> str:
    rows = list(rows)
    if rows and not rows[-1].endswith("\n"):
        rows[-1] += "\n"
    at = len(rows) if at_end else _block_end(rows)
    if at and _continues(rows[at - 1].rstrip("\n")):
        new = "\n" + new  # end the continued line first
    return "".join(rows[:at] + [new] + rows[at:])


def _block_end(rows: list[str]) -> int:
    """Where new lines go: after the last non-blank line inside the
    ``.ifdef BSD_PKG_MK`` block, or at the end when there is no such block."""
    depth, opened = 0, None
    for line in _lines(rows):
        directive = DIRECTIVE_RE.match(line.code)
        if not directive:
            continue
        word, rest = directive.groups()
        if word.startswith("if"):
            depth += 1
            if opened is None and (word, rest.strip()) == ("ifdef", "BSD_PKG_MK"):
                opened = (line.last, depth)
        elif word == "endif":
            if opened and depth == opened[1]:
                at = line.first
                while at > opened[0] + 1 and not rows[at - 1].strip():
                    at -= 1
                return at
            depth -= 1
    return len(rows)
