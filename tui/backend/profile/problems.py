"""What is wrong with a profile: :class:`Problem` records and :class:`ProfileError`.

Every problem names file, line, key path, the value, what is allowed and, where one
exists, a suggestion.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

#: ``Problem.value`` when the problem is about no single value (a missing key).
NO_VALUE = object()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a profile, located and explained."""

    file: str
    line: int | None
    key: str
    message: str
    value: object = NO_VALUE
    allowed: str = ""
    suggestion: str = ""

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        if self.key:
            text += f"{self.key}: "
        if self.value is not NO_VALUE:
            text += f"{_show(self.value)}: "
        text += self.message
        if self.allowed:
            text += f" (allowed: {self.allowed})"
        if self.suggestion:
            text += f"; {self.suggestion}"
        return text


class ProfileError(ValueError):
    """A profile that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = list(problems)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def _show(value) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def keystr(path: tuple) -> str:
    """``mail.aliases.root``; a key with control characters is shown quoted and escaped
    (an error message never sends a terminal escape sequence)."""
    text = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
            continue
        name = str(part) if str(part).isprintable() else json.dumps(str(part))
        text += f".{name}" if text else name
    return text


def line_at(lines: dict, path: tuple) -> int | None:
    """The line of ``path``, else of its nearest enclosing key, else of the document."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())
