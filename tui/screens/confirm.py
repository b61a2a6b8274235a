"""Confirm: the one explicit yes before apply, naming every risky action."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ..backend.steps import Plan


def risks_text(plan: Plan) -> str:
    changing = [s for s in plan.steps if s.changes]
    if not changing:
        return "Nothing will change: apply only checks that qmail runs."
    lines = [f"{len(changing)} of {len(plan.steps)} steps change this host."]
    risky = [(s.id, r) for s in plan.steps for r in s.risks]
    if risky:
        lines.append("Risky actions:")
        # the step first: a risk may end in parentheses of its own ("(build)")
        lines += [f"  ⚠ {step_id}: {risk}" for step_id, risk in risky]
    lines.append("Every file is backed up first; qmail-wizard undo puts them back.")
    return "\n".join(lines)


class ConfirmScreen(ModalScreen[bool]):
    """Dismissed with True on ``y``, False on ``n`` / Esc."""

    CSS_PATH = "confirm.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes, apply"),
        Binding("n,escape", "answer(False)", "No"),
    ]
    AUTO_FOCUS = "#no"

    def __init__(self, plan: Plan) -> None:
        super().__init__(name="confirm")
        self.plan = plan

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Apply these changes?", classes="screen-title")
            with VerticalScroll(id="risks-box"):
                yield Static(risks_text(self.plan), id="risks")
            yield Static("Press y to apply, n or Esc to go back to the plan.", classes="hint")
            with Horizontal(id="buttons"):
                yield Button("Apply (y)", id="yes", variant="warning", compact=True)
                yield Button("Cancel (n)", id="no", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
