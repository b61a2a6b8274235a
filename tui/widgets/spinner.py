"""A loading indicator that stops repainting while hidden."""

from __future__ import annotations

from textual.widgets import LoadingIndicator


class Spinner(LoadingIndicator):
    """Shown while a worker reads the host.  A hidden LoadingIndicator keeps its
    16 Hz refresh timer (display does not stop it), which costs ~1 % CPU on a screen
    left under the Dashboard; ``spin(False)`` hides it and stops the timer."""

    def spin(self, on: bool) -> None:
        self.display = on
        self.auto_refresh = 1 / 16 if on else None
