"""Save profile (Ctrl+S): asks for a file name, then writes the profile there.

The name defaults to the last one used, in the current directory.  The write goes
through ``Session.save`` (safefile): a symlink or a hard-linked file there is refused
and named, and the dialog stays open to choose another name.
"""

from __future__ import annotations

import os
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ..backend.hosts import HostError
from ..backend.session import Session
from ..backend.vis import vis


class SaveScreen(ModalScreen[str | None]):
    """Dismissed with the absolute path written, or None (Esc)."""

    CSS_PATH = "save.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    AUTO_FOCUS = "#file"

    def __init__(self, session: Session, default: str) -> None:
        super().__init__(name="save")
        self.session = session
        self.default = os.path.join(os.getcwd(), default)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Save the profile", classes="screen-title")
            yield Static(
                "File name (an existing file is replaced; a symbolic link is not followed):",
                classes="hint",
                markup=False,
            )
            yield Input(self.default, id="file")
            yield Static("", id="error", markup=False)
            yield Static("Enter save · Esc cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        error = self.query_one("#error", Static)
        if not name:
            error.update("Type a file name.")
            return
        try:
            self.dismiss(self.session.save(name))
        except HostError as exc:
            error.update(vis(f"Not saved: {exc}"))
        except OSError as exc:  # the current directory itself is gone, say
            error.update(vis(f"Not saved: {name}: {exc.strerror}"))

    def action_cancel(self) -> None:
        self.dismiss(None)
