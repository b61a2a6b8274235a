"""F1 help: a modal screen with a title and a paragraph; Esc (or F1) closes it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from .footer import KeyFooter


class HelpScreen(ModalScreen[None]):
    """Help for one field: ``HelpScreen(title, text)``; text is plain, not markup."""

    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("f1", "close", "Close", show=False),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.help_title = title
        self.help_text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(self.help_title, id="help-title", markup=False)
            with VerticalScroll(id="help-scroll"):
                yield Static(self.help_text, id="help-text", markup=False)
            yield Static("Esc closes this help.", classes="hint")
        yield KeyFooter()

    def action_close(self) -> None:
        self.dismiss(None)
