"""The PKG_OPTIONS.qmail vocabulary of one host, and what its words mean.

Word semantics follow ``mk/bsd.options.mk``: defaults first, then each word in order
(``name`` enables, ``-name`` disables, later words win); members of a pick-one group
form a stack, so the last member asked for replaces the group's default member.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field


class CatalogError(ValueError):
    """Text that cannot be read as an option catalog."""


@dataclass(frozen=True)
class Catalog:
    """The PKG_OPTIONS.qmail vocabulary of one host."""

    #: Where it came from, for people: "pkgsrc tree ...", "binary package ...", ...
    source: str
    supported: tuple[str, ...]
    defaults: frozenset[str]
    #: group -> members; at most one member may be enabled.
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: option -> option it turns on.
    implies: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    costs: dict[str, str] = field(default_factory=dict)
    #: names not supported here -> what became of them (or when they arrive).
    removed: dict[str, str] = field(default_factory=dict)
    #: what a build would enable now ("currently enabled"; a package's PKG_OPTIONS).
    current: frozenset[str] | None = None

    def _group_of(self) -> dict[str, str]:
        return {m: g for g, members in self.groups.items() for m in members}

    def effective(self, words) -> frozenset[str]:
        """The enabled set a build with PKG_OPTIONS.qmail=words produces."""
        group_of = self._group_of()
        enabled = {o for o in self.defaults if o not in group_of}
        stacks = {
            g: [m for m in members if m in self.defaults] for g, members in self.groups.items()
        }
        for word in words:
            name = word[1:] if word.startswith("-") else word
            if name not in self.supported:
                continue
            if name in group_of:
                stack = stacks[group_of[name]]
                stack[:] = [m for m in stack if m != name]
                if not word.startswith("-"):
                    stack.append(name)
            elif word.startswith("-"):
                enabled.discard(name)
            else:
                enabled.add(name)
        enabled.update(stack[-1] for stack in stacks.values() if stack)
        return closure(enabled, self.implies)

    def word_problems(self, words) -> list[tuple[int, str]]:
        """(index of the word, message) for every problem in the option words."""
        problems: list[tuple[int, str]] = []
        seen: dict[str, int] = {}
        for i, word in enumerate(words):
            message = self._word_problem(word, seen)
            if message:
                problems.append((i, message))
            if isinstance(word, str):
                seen.setdefault(word, i)
        words = [w if isinstance(w, str) else "" for w in words]
        group_of = self._group_of()
        asked: dict[str, list[tuple[int, str]]] = {}
        for i, word in enumerate(words):
            if word in group_of and seen.get(word) == i:
                asked.setdefault(group_of[word], []).append((i, word))
        for group, picks in asked.items():
            for i, word in picks[1:]:
                problems.append(
                    (
                        i,
                        f'"{picks[0][1]}" and "{word}" are both in the '
                        f'pick-one group "{group}" '
                        f"({' '.join(self.groups[group])}): choose at most one",
                    )
                )
        enabled = self.effective(words)
        for i, word in enumerate(words):
            name = word[1:]
            if word.startswith("-") and name in self.supported:
                for other, implied in sorted(self.implies.items()):
                    if implied == name and other in enabled:
                        problems.append(
                            (
                                i,
                                f'"{word}" has no effect: "{other}" turns '
                                f'"{name}" on; remove "{word}" or also '
                                f'write "-{other}"',
                            )
                        )
        return sorted(problems, key=lambda p: p[0])

    def _word_problem(self, word: str, seen: dict) -> str | None:
        if not isinstance(word, str) or not re.fullmatch(r"[-+]?[A-Za-z0-9][A-Za-z0-9_.-]*", word):
            return (
                f"{word!r} is not an option word: write a name such as "
                '"qmail-srs", or "-name" to turn a default off'
            )
        if word.startswith("+"):
            return (
                f'"{word}": PKG_OPTIONS.qmail has no "+" prefix; write "{word[1:]}" '
                "to turn an option on"
            )
        name = word.lstrip("-")
        if name not in self.supported:
            if name in self.removed:
                return f'"{name}" is not an option here ({self.source}): {self.removed[name]}'
            close = difflib.get_close_matches(name.lower(), self.supported, n=1)
            hint = (
                f'; did you mean "{close[0]}"?'
                if close
                else f"; supported: {' '.join(self.supported)}"
            )
            return f'unknown option "{name}" (not offered by {self.source}){hint}'
        if word in seen:
            return f'"{word}" is given twice'
        opposite = name if word.startswith("-") else f"-{name}"
        if opposite in seen:
            return f'"{name}" and "-{name}" contradict each other; keep one'
        return None

    def check(self, words) -> list[str]:
        """Problems with the option words, one message each (empty when fine)."""
        return [message for _, message in self.word_problems(words)]

    def needs_source_build(self, words) -> bool:
        """True when the words give anything but the binary package's default set."""
        return self.effective(words) != self.defaults

    def changes(self, enabled) -> list[str]:
        """``enabled`` against the defaults: "+name" for each added, "-name" each removed."""
        enabled = set(enabled)
        return [f"+{n}" for n in sorted(enabled - self.defaults)] + [
            f"-{n}" for n in sorted(self.defaults - enabled)
        ]

    def describe(self, name: str) -> str:
        """Help text for one option: what it does, what it costs, its status here."""
        if name not in self.supported:
            return f"{name}: {self.removed.get(name, 'not offered by ' + self.source)}"
        status = "on by default" if name in self.defaults else "off by default"
        group = self._group_of().get(name)
        if group:
            status += f"; pick at most one of the {group} group"
        if name in self.implies:
            status += f"; turns {self.implies[name]} on"
        text = f"{name}: {self.descriptions.get(name, '')}".rstrip()
        cost = self.costs.get(name)
        return f"{text}\nCosts: {cost}. ({status})" if cost else f"{text}\n({status})"


def closure(enabled, implies: dict) -> frozenset[str]:
    result = set(enabled)
    for name in list(result):
        if implies.get(name):
            result.add(implies[name])
    return frozenset(result)
