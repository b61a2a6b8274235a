"""One file changed by hand since qmail-wizard wrote it: both versions, and the choice.

Review shows one per drifted file (``plan.drift``); ``k`` keeps the admin's version,
``o`` takes the profile's.  The widget only posts :class:`DriftChoice.Chosen`; the
screen records the choice on the session and plans again.  Its styles are
drift_choice.tcss (``DRIFT_CSS``, for the screen's CSS_PATH).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from ..backend.steps import Drift

#: For the CSS_PATH of a screen that shows DriftChoices.
DRIFT_CSS = str(Path(__file__).with_name("drift_choice.tcss"))
#: resolution -> how the choice reads
CHOICES = {"": "not chosen yet", "keep": "keep mine", "overwrite": "take the profile's"}


def versions_diff(drift: Drift, profile: str | None) -> str:
    """The admin's version (now on the host) against the profile's; the hand edit
    itself when the profile's version is unknown."""
    if profile is None:
        return drift.diff()
    mine = [] if drift.now is None else drift.now.splitlines(keepends=True)
    return "".join(
        difflib.unified_diff(
            mine,
            profile.splitlines(keepends=True),
            "yours (deleted)" if drift.now is None else "yours (now on the host)",
            "the profile's",
        )
    )


class DriftChoice(Static, can_focus=True):
    """A drifted file: heading, choice, diff; ``k``/``o`` post :class:`Chosen`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "choose('keep')", "Keep"),
        Binding("o", "choose('overwrite')", "Overwrite"),
    ]

    @dataclass
    class Chosen(Message):
        path: str
        resolution: str

    def __init__(self, drift: Drift, diff: Content, *, id: str | None = None) -> None:
        self.drift = drift
        state = "$warning bold" if not drift.resolution else "$success bold"
        how = (
            " differs from the profile (the drift record is damaged: it may be a change of yours)"
            if drift.wrote is None
            else " was changed by hand since qmail-wizard wrote it"
        )
        heading = Content.assemble(
            ("⚠ ", "$warning"),
            (drift.path, "bold"),
            how,
            "\n  ",
            ("k", "bold $accent"),
            " keep mine · ",
            ("o", "bold $accent"),
            " take the profile's · choice: ",
            (CHOICES[drift.resolution], state),
            "\n",
        )
        super().__init__(
            heading + diff, id=id, classes="drift" + ("" if drift.resolution else " -undecided")
        )

    @property
    def path(self) -> str:
        return self.drift.path

    def action_choose(self, resolution: str) -> None:
        self.post_message(self.Chosen(self.drift.path, resolution))
