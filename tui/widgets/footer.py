"""A Footer that recomposes only when the bindings it shows change.

Textual's Footer rebuilds every key on each ``bindings_updated`` signal, which a screen
publishes on every focus change; the rebuild forces a full layout of the screen (~100 ms
per Tab on the Mail screen).  Moving between fields seldom changes what the footer shows.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


def shown_bindings(footer: Footer, screen: Screen) -> tuple:
    """Everything Footer.compose reads from ``screen``'s active bindings."""
    palette = footer.app.COMMAND_PALETTE_BINDING
    return tuple(
        (key, binding, enabled, tooltip)
        for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items()
        if binding.show or key == palette
    )


class KeyFooter(Footer):
    """Footer (same look and options) that skips rebuilds which would show the same keys."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.shown: tuple | None = None

    def compose(self) -> ComposeResult:
        shown, composed = shown_bindings(self, self.screen), False
        for widget in super().compose():
            composed = True
            yield widget
        self.shown = shown if composed else None

    def bindings_changed(self, screen: Screen) -> None:
        if (
            self.shown is not None
            and screen is self.screen
            and shown_bindings(self, screen) == self.shown
        ):
            return
        super().bindings_changed(screen)
