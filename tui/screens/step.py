"""WizardStep: what the wizard's form steps (Options, Accounts, Mail, Services) share.

Each edits one part of ``session.profile`` and shows what the backend's validation
says about it.  The base gives the keys (Enter next, Esc back, F1 help), the problems
of the step's own profile keys, and the way on: Enter shows the problems and stays
while there are any (``refuse``), else posts ``Advance(type(self))`` for the App.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget

from ..backend.profile import Problem
from ..backend.session import Session
from ..messages import Advance
from ..widgets.field import field_of
from ..widgets.help import HelpScreen


def owned(keys: tuple[str, ...], key: str) -> bool:
    """Whether a problem's ``key`` is one of ``keys`` or inside one ("mail" owns
    "mail.aliases.root"; "build.options" owns "build.options[2]")."""
    return any(key == k or key.startswith((f"{k}.", f"{k}[")) for k in keys)


class WizardStep(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "next", "Next", priority=True),
        Binding("escape", "back", "Back"),
        Binding("f1", "help", "Help"),
    ]
    #: Screen's own, without its repaint: a focus change redraws the two widgets it
    #: concerns, not the whole screen (a full redraw of 160x50 is ~15 ms per Tab).
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    #: The screen's ``name`` ("options").
    NAME: ClassVar[str]
    #: The profile keys the step edits; its problems are theirs.
    KEYS: ClassVar[tuple[str, ...]]

    def __init__(self, session: Session) -> None:
        super().__init__(name=self.NAME)
        self.session = session

    def problems(self) -> list[Problem]:
        """What the backend's validation finds wrong in this step's keys."""
        return [p for p in self.session.problems() if owned(self.KEYS, p.key)]

    def show_problems(self) -> list[Problem]:
        """Bring the screen up to date with the profile; the step's problems."""
        raise NotImplementedError

    def refuse(self, problems: list[Problem]) -> None:
        """Enter with problems left: point at the first and say what is wrong."""
        raise NotImplementedError

    def action_next(self) -> None:
        problems = self.show_problems()
        if problems:
            self.refuse(problems)
        else:
            self.post_message(Advance(type(self)))

    def action_back(self) -> None:
        self.app.pop_screen()

    def help_for(self, focused: Widget | None) -> tuple[str, str] | None:
        """F1's (title, text) for a focused widget outside a Field; None: no help."""
        return None

    def action_help(self) -> None:
        """F1: the focused Field's help, else what ``help_for`` gives."""
        field = field_of(self.focused)
        shown = (field.label, field.help) if field is not None else self.help_for(self.focused)
        if shown is not None:
            self.app.push_screen(HelpScreen(*shown))
