"""Messages the screens post up to the App (attributes down, messages up)."""
from __future__ import annotations

from textual.message import Message


class Advance(Message):
    """The screen's answers are accepted: go to the next screen of the flow."""

    def __init__(self, screen_name: str) -> None:
        super().__init__()
        self.screen_name = screen_name
