"""/etc/rc.conf: read and set ``var=value`` as sh(1) sees them, editing in place.

The text is scanned like sh: quotes, backslashes, ``${...}``/``$(...)``, comments,
``;``/newline separators and reserved words (``if``, ``then``, ...).  A command made
only of assignments is effective; an assignment that prefixes a command
(``var=x cmd``) or sits in a comment is not.  Expansions are not evaluated: ``get``
returns ``${_rc_d_postfix:-YES}`` as written, quotes removed.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .text import rows as text_rows

MARKER = "# qmail-wizard"
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SAFE_RE = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")
RESERVED = {
    "if",
    "then",
    "else",
    "elif",
    "fi",
    "do",
    "done",
    "while",
    "until",
    "case",
    "esac",
    "{",
    "}",
    "!",
}
_SEPARATORS = "\n;&|()"


class Assignment(NamedTuple):
    name: str
    value: str  # as sh assigns it (quotes and backslashes removed, no expansion)
    raw: str  # the value as written
    start: int  # offset of the ``name=value`` word in the text
    end: int


def assignments(text: str) -> list[Assignment]:
    """Every effective assignment, in text order; ValueError (with the line) for an
    unterminated quote, ``${`` or ``$(``."""
    found: list[Assignment] = []
    for command in _commands(text):
        words = command
        while words and words[0][0] in RESERVED:
            words = words[1:]
        parsed = [_assignment(text, start, end) for _, start, end in words]
        if words and all(parsed):
            found += [assignment for assignment in parsed if assignment is not None]
    return found


def get(text: str, var: str) -> str | None:
    """The value of the last effective assignment of ``var``, or None."""
    values = [a.value for a in assignments(text) if a.name == var]
    return values[-1] if values else None


def set_vars(text: str, values: dict[str, str]) -> str:
    """``text`` with each var set: the last effective assignment is edited in place
    (its trailing comment and quoting style kept); missing vars are appended after a
    single ``# qmail-wizard`` line.  Setting a var to its current value changes nothing."""
    for var, value in values.items():
        if not NAME_RE.fullmatch(var):
            raise ValueError(f"rc.conf: {var!r} is not a shell variable name")
        if "\n" in value:
            raise ValueError(f"rc.conf: the value of {var} must be one line, got {value!r}")
    last = {a.name: a for a in assignments(text)}
    edits, missing = [], []
    for var, value in values.items():
        current = last.get(var)
        if current is None:
            missing.append(f"{var}={quote(value)}\n")
        elif current.value != value:
            edits.append((current.start, current.end, f"{var}={_requote(value, current.raw)}"))
    for start, end, word in sorted(edits, reverse=True):
        text = text[:start] + word + text[end:]
    return _append(text, missing) if missing else text


def quote(value: str) -> str:
    """``value`` as an sh word: bare when safe, else double-quoted."""
    if SAFE_RE.fullmatch(value):
        return value
    return '"' + re.sub(r'([\\"$`])', r"\\\1", value) + '"'


def _requote(value: str, raw: str) -> str:
    if len(raw) >= 2 and raw[0] == '"' and _closing(raw, '"', 1) == len(raw) - 1:
        return '"' + re.sub(r'([\\"$`])', r"\\\1", value) + '"'
    if len(raw) >= 2 and raw[0] == raw[-1] == "'" and raw.count("'") == 2 and "'" not in value:
        return f"'{value}'"
    return quote(value)


def _append(text: str, lines: list[str]) -> str:
    rows = text_rows(text)
    marks = [i for i, row in enumerate(rows) if row.rstrip("\n") == MARKER]
    if marks:
        end = marks[0] + 1
        while end < len(rows) and rows[end].strip() and not rows[end].startswith("#"):
            end += 1
        if end == len(rows) and not rows[-1].endswith("\n"):
            rows[-1] += "\n"
        return "".join(rows[:end] + lines + rows[end:])
    if text and not text.endswith("\n"):
        text += "\n"
    if text and not text.endswith("\n\n"):
        text += "\n"
    return text + MARKER + "\n" + "".join(lines)


def _assignment(text: str, start: int, end: int) -> Assignment | None:
    match = NAME_RE.match(text, start)
    if not match or match.end() >= end or text[match.end()] != "=":
        return None
    raw = text[match.end() + 1 : end]
    return Assignment(match.group(), _unquote(raw), raw, start, end)


def _commands(text: str) -> list[list[tuple[str, int, int]]]:
    """Simple commands as lists of (word, start, end)."""
    commands: list[list[tuple[str, int, int]]] = []
    words: list[tuple[str, int, int]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in " \t":
            i += 1
        elif text.startswith("\\\n", i):
            i += 2
        elif ch == "#":
            i = _line_end(text, i)
        elif ch in _SEPARATORS:
            if words:
                commands.append(words)
            words, i = [], i + 1
        else:
            end = _word_end(text, i)
            words.append((text[i:end], i, end))
            i = end
    if words:
        commands.append(words)
    return commands


def _line_end(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end == -1 else end


def _word_end(text: str, i: int) -> int:
    """Offset just past the sh word starting at ``i``."""
    while i < len(text):
        ch = text[i]
        if ch in " \t" or ch in _SEPARATORS:
            return i
        if ch == "\\":
            i += 2
            continue
        if ch == "'":
            end = _find(text, "'", i + 1)
        elif ch in '"`':
            end = _closing(text, ch, i + 1)
        elif ch == "$" and text[i + 1 : i + 2] in ("{", "("):
            end = _balanced(text, i + 1)
        else:
            end = i
        if end >= len(text):
            raise ValueError(
                f"rc.conf line {text.count(chr(10), 0, i) + 1}: "
                f"unterminated {text[i : i + 2].strip()} (sh cannot read the file)"
            )
        i = end + 1
    return min(i, len(text))


def _find(text: str, ch: str, i: int) -> int:
    found = text.find(ch, i)
    return len(text) if found == -1 else found


def _closing(text: str, quote_char: str, i: int) -> int:
    while i < len(text) and text[i] != quote_char:
        i += 2 if text[i] == "\\" else 1
    return i


def _balanced(text: str, i: int) -> int:
    """Offset of the bracket closing the one at ``i`` (quotes inside skipped)."""
    opening = text[i]
    closing = "}" if opening == "{" else ")"
    depth = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 1
        elif ch == "'":
            i = _find(text, "'", i + 1)
        elif ch == '"':
            i = _closing(text, '"', i + 1)
        elif ch == opening:
            depth += 1
        elif ch == closing:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(text)


def _unquote(raw: str) -> str:
    out, i = [], 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\":
            if raw[i + 1 : i + 2] != "\n":
                out.append(raw[i + 1 : i + 2])
            i += 2
        elif ch == "'":
            end = _find(raw, "'", i + 1)
            out.append(raw[i + 1 : end])
            i = end + 1
        elif ch == '"':
            end = _closing(raw, '"', i + 1)
            out.append(
                re.sub(r'\\([\\"$`\n])', lambda m: "" if m[1] == "\n" else m[1], raw[i + 1 : end])
            )
            i = end + 1
        elif ch == "$" and raw[i + 1 : i + 2] in ("{", "("):
            end = _balanced(raw, i + 1) + 1
            out.append(raw[i:end])
            i = end
        else:
            out.append(ch)
            i += 1
    return "".join(out)
