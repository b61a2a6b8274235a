"""The build-option list: checkboxes, pick-one groups as radio choices, implied options.

The rows and the word editing are plain functions of a catalog and the
``PKG_OPTIONS.qmail`` words, so the Options screen only wires keys to them.  What
the words enable always comes from ``catalog.effective``; this module decides only
which words express a choice relative to the catalog's defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option


@dataclass(frozen=True)
class Row:
    """One line of the list: an option, a group's heading, or a group's "none" choice."""

    name: str = ""
    group: str = ""
    heading: bool = False

    @property
    def id(self) -> str:
        if self.heading:
            return f"group-{self.group}"
        return self.name or f"none-{self.group}"


class Refused(ValueError):
    """A toggle the catalog makes meaningless (the option is turned on by another)."""


def rows(catalog) -> list[Row]:
    """General options first, then each pick-one group: heading, members, "none"."""
    members = {m for group in catalog.groups.values() for m in group}
    out = [Row(name) for name in catalog.supported if name not in members]
    for group, names in sorted(catalog.groups.items()):
        out.append(Row(group=group, heading=True))
        out.extend(Row(name, group) for name in names)
        out.append(Row(group=group))
    return out


def _name(word) -> str | None:
    return word.lstrip("-") if isinstance(word, str) else None


def implied_by(catalog, enabled, name: str) -> str:
    """The enabled option that turns ``name`` on ("" when none does)."""
    return next(
        (o for o, target in sorted(catalog.implies.items()) if target == name and o in enabled), ""
    )


def toggle(catalog, words: list, row: Row) -> list:
    """The words after the admin toggles ``row`` (raises Refused when it cannot change)."""
    enabled = catalog.effective(words)
    if row.group:
        members = catalog.groups[row.group]
        kept = [w for w in words if _name(w) not in members]
        defaults = [m for m in members if m in catalog.defaults]
        if not row.name:
            return kept + [f"-{m}" for m in defaults]
        # The last member asked for replaces the group's default member.
        return kept if defaults and defaults[-1] == row.name else kept + [row.name]
    name = row.name
    kept = [w for w in words if _name(w) != name]
    if name in enabled:
        by = implied_by(catalog, enabled, name)
        if by:
            raise Refused(f"{name} is turned on by {by}: turn {by} off to turn {name} off")
        return kept + ([f"-{name}"] if name in catalog.defaults else [])
    return kept + ([] if name in catalog.defaults else [name])


def prompt(catalog, words: list, row: Row, width: int = 18) -> Text:
    """How ``row`` reads for these words: mark, name, and its status tags."""
    enabled = catalog.effective(words)
    if row.heading:
        names = catalog.groups[row.group]
        return Text(f"{row.group}: pick at most one of {len(names)}", style="bold")
    if row.group:
        chosen = row.name in enabled if row.name else not (enabled & set(catalog.groups[row.group]))
        mark = "(•) " if chosen else "( ) "
        is_default = (
            row.name in catalog.defaults
            if row.name
            else not set(catalog.groups[row.group]) & catalog.defaults
        )
    else:
        chosen = row.name in enabled
        mark = "[x] " if chosen else "[ ] "
        is_default = row.name in catalog.defaults
    text = Text(mark, style="bold" if chosen else "")
    text.append((row.name or "none").ljust(width))
    if is_default:
        text.append(" default", style="dim")
    by = implied_by(catalog, enabled, row.name) if row.name else ""
    if by:
        text.append(f" implied by {by}", style="italic")
    elif row.name in catalog.implies:
        text.append(f" turns {catalog.implies[row.name]} on", style="dim")
    return text


class BuildOptionList(OptionList):
    """The catalog's options for ``words``; space posts :class:`Toggled` for the row."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("space", "toggle_row", "Toggle")]

    @dataclass
    class Toggled(Message):
        row: Row

    def __init__(self, catalog, words: list, *, id: str | None = None) -> None:
        self.catalog = catalog
        self.rows = rows(catalog)
        self.width = max((len(r.name) for r in self.rows), default=4)
        super().__init__(*self._row_options(words), id=id)

    def _row_options(self, words: list) -> list[Option]:
        return [
            Option(prompt(self.catalog, words, row, self.width), id=row.id, disabled=row.heading)
            for row in self.rows
        ]

    def show(self, words: list) -> None:
        """Redraw every row's mark and tags for new words (the cursor stays put)."""
        for index, row in enumerate(self.rows):
            self.replace_option_prompt_at_index(index, prompt(self.catalog, words, row, self.width))

    @property
    def row(self) -> Row | None:
        """The highlighted row."""
        return None if self.highlighted is None else self.rows[self.highlighted]

    def prompt_of(self, row_id: str) -> str:
        """The plain text of one row, as shown."""
        return str(self.get_option(row_id).prompt)

    def action_toggle_row(self) -> None:
        row = self.row
        if row is not None and not row.heading:
            self.post_message(self.Toggled(row))
