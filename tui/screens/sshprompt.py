"""Before the wizard: what an ssh target needs from the user to be reached.

``HostKeyScreen`` shows an unknown host key (host, type, SHA256 fingerprint) and is
dismissed with True (Accept: trust it) or False (Reject); ``PasswordScreen`` asks the
doas/sudo password in a masked field (None when cancelled).  ``ask(screen)`` runs one
of them in a small App of its own, before the wizard's App exists.  Host text is data.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


class HostKeyScreen(ModalScreen[bool]):
    CSS_PATH = "sshprompt.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "answer(True)", "Accept"),
        Binding("r,escape", "answer(False)", "Reject"),
    ]
    AUTO_FOCUS = "#reject"

    def __init__(self, target: str, key_type: str, fingerprint: str, known_hosts: str) -> None:
        super().__init__(name="hostkey")
        self.target, self.key_type, self.fingerprint = target, key_type, fingerprint
        self.known_hosts = known_hosts

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Unknown host key", id="title")
            yield Static(f"{self.target} is not in your known hosts.", markup=False)
            yield Static(f"{self.key_type} {self.fingerprint}", id="fingerprint", markup=False)
            yield Static(
                "Compare the fingerprint with the host's own (ssh-keygen -lf "
                f"/etc/ssh/ssh_host_*_key.pub there). Accept adds it to {self.known_hosts}.",
                markup=False,
            )
            with Horizontal(id="buttons"):
                yield Button("Accept (a)", id="accept", variant="warning")
                yield Button("Reject (r)", id="reject", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "accept")

    def action_answer(self, accept: bool) -> None:
        self.dismiss(accept)


class PasswordScreen(ModalScreen["str | None"]):
    CSS_PATH = "sshprompt.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str) -> None:
        super().__init__(name="password")
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.question, markup=False)
            yield Input(password=True, id="password")
            yield Static("Enter: send · Esc: cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PromptApp(App):
    """Shows one prompt screen; exits with its answer."""

    def __init__(self, screen: ModalScreen) -> None:
        super().__init__()
        self.prompt = screen

    def on_mount(self) -> None:
        self.push_screen(self.prompt, callback=self.exit)


def ask(screen: ModalScreen):
    """``screen``'s answer (None when the App ended without one)."""
    return PromptApp(screen).run()
