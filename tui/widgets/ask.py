"""A yes/no question before a key does something hard to take back.

``AskScreen(question, detail, yes)`` is dismissed with True on Enter or y, False on
Esc or n; the caller acts in its callback.  Text is plain, not markup.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from .footer import KeyFooter


class AskScreen(ModalScreen[bool]):
    """``question`` (one line), ``detail`` (what happens), ``yes`` (the key's label)."""

    CSS_PATH = "ask.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,y", "answer(True)", "Yes", priority=True),
        Binding("escape,n", "answer(False)", "No", priority=True),
    ]

    def __init__(self, question: str, detail: str, yes: str = "Yes") -> None:
        super().__init__(name="ask")
        self.question, self.detail, self.yes = question, detail, yes

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-box"):
            yield Static(self.question, id="ask-question", markup=False)
            yield Static(self.detail, id="ask-detail", markup=False)
            yield Static(f"Enter or y: {self.yes} · Esc or n: no", classes="hint", markup=False)
        yield KeyFooter()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
