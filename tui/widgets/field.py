"""Field: a labelled Input with an error line beneath it, for any wizard screen.

A field prefilled from the host also knows where its value was read
(``source="path:line"``) and shows it on a line beneath while it has focus.

A screen composes Fields, listens for :class:`Field.Changed`, and calls
:meth:`Field.show_problem` with what the backend's validation said.  Screens that
use it list ``field.tcss`` (beside this module) in their ``CSS_PATH``.  A field laid
out otherwise overrides ``compose`` (and ``show_problem``), as Accounts' AccountField does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Static

#: For a screen's CSS_PATH: ``CSS_PATH = ["mine.tcss", FIELD_CSS]``.
FIELD_CSS = str(Path(__file__).with_name("field.tcss"))


class Sourced(Vertical):
    """A group whose ``.source-line`` (where its value was read) shows only while
    something in it has focus (field.tcss).  A group without one is left alone: a class
    change restyles the whole group, which would slow every Tab."""

    def on_descendant_focus(self) -> None:
        if self.query(".source-line"):
            self.add_class("-focused")

    def on_descendant_blur(self) -> None:
        if self.has_class("-focused"):
            self.remove_class("-focused")


class Field(Sourced):
    """``label  [input] *`` with an error line beneath that shows only when set; the
    ``*`` marks a value changed from the prefilled one (``show_changed``)."""

    @dataclass
    class Changed(Message):
        """The admin edited the field's text."""

        field: Field
        value: str

        @property
        def control(self) -> Field:
            return self.field

    def __init__(
        self,
        label: str,
        value: str = "",
        *,
        key: str,
        help: str = "",
        placeholder: str = "",
        source: str = "",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, classes="field")
        self.label = label
        self.key = key
        self.help = help
        self._value = value
        self._placeholder = placeholder
        self.source = source

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield Label(self.label, classes="field-label")
            yield Input(
                self._value, placeholder=self._placeholder, compact=True, classes="field-input"
            )
            yield Static("", classes="field-mark")
        yield Static("", markup=False, classes="field-error error")
        if self.source:
            yield Static(source_line(self.source), markup=False, classes="field-source source-line")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def value(self) -> str:
        return self.input.value if self.is_mounted else self._value

    @value.setter
    def value(self, text: str) -> None:
        """Set the text (no-op when equal, so that the cursor stays put)."""
        if self.is_mounted:
            if self.input.value != text:
                self.input.value = text
        else:
            self._value = text

    @property
    def problem(self) -> str:
        return str(self.query_one(".field-error", Static).content)

    def show_problem(self, text: str) -> None:
        """Show ``text`` beneath the input (empty hides the line)."""
        line = self.query_one(".field-error", Static)
        line.update(text)
        line.display = bool(text)
        self.input.set_class(bool(text), "-invalid")

    def show_changed(self, changed: bool) -> None:
        """Mark the field (``*`` after the input) when its value differs from the
        prefilled one."""
        self.query_one(".field-mark", Static).update("*" if changed else "")

    def on_mount(self) -> None:
        self.show_problem("")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self, event.value))


def field_of(widget: Widget | None) -> Field | None:
    """The Field that holds ``widget`` (the focused input, say), if any."""
    if widget is None:
        return None
    return next((n for n in widget.ancestors_with_self if isinstance(n, Field)), None)


def widget_id(widget: Widget) -> str:
    """The id of a widget composed with one (fields and switches are)."""
    if widget.id is None:
        raise ValueError(f"{widget!r} has no id")
    return widget.id


def problem_text(problem) -> str:
    """A backend Problem as one line for beside a field: value, message, the way out."""
    text = problem.message
    if isinstance(problem.value, str) and problem.value:
        text = f"{problem.value}: {text}"
    if problem.suggestion:
        return f"{text}; {problem.suggestion}"
    return f"{text} (allowed: {problem.allowed})" if problem.allowed else text


def source_line(source: str) -> str:
    """The hint beneath a field prefilled from the host: ``from path:line``."""
    return f"from {source}"
