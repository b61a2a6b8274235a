"""The apply steps with their state (pending, running, changed, unchanged, failed).

Styles live in step_list.tcss; a screen using the widget lists ``STEP_LIST_CSS`` in
its CSS_PATH (widgets cannot load a stylesheet of their own).
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from ..backend.steps import STEP_IDS

#: For the CSS_PATH of a screen that shows a StepList.
STEP_LIST_CSS = str(Path(__file__).with_name("step_list.tcss"))

#: state -> (mark, label)
STATES = {
    "pending": ("·", "pending"),
    "running": ("▶", "running"),
    "changed": ("✓", "changed"),
    "unchanged": ("✓", "unchanged"),
    "failed": ("✗", "failed"),
    "cancelled": ("✗", "cancelled"),
}


class StepRow(Static):
    """One step: its number, id and state; the state is also its CSS class (-state)."""

    def __init__(self, index: int, step_id: str) -> None:
        super().__init__(id=f"step-{step_id}", classes="step -pending")
        self.index = index
        self.step_id = step_id
        self.state = "pending"
        self.show_state()

    def set_state(self, state: str) -> None:
        self.remove_class(f"-{self.state}")
        self.state = state
        self.add_class(f"-{state}")
        self.show_state()

    def show_state(self) -> None:
        mark, label = STATES[self.state]
        self.update(f"{mark} {self.index:>2} {self.step_id:<11} {label}")


class StepList(Vertical):
    """Every step of the plan, in the order apply runs them."""

    def compose(self) -> ComposeResult:
        for index, step_id in enumerate(STEP_IDS, 1):
            yield StepRow(index, step_id)

    def row(self, step_id: str) -> StepRow:
        return self.query_one(f"#step-{step_id}", StepRow)

    def set_state(self, step_id: str, state: str) -> None:
        self.row(step_id).set_state(state)

    def states(self) -> dict[str, str]:
        return {row.step_id: row.state for row in self.query(StepRow)}

    def reset(self) -> None:
        for row in self.query(StepRow):
            row.set_state("pending")
