"""One step of the plan on Review: heading, risks, notes, commands, files; diffs folded.

A step's diffs show in place when they are short (``SHORT`` lines in all); longer
ones are folded (each file with the lines it adds and removes) and open on Enter or
space while the step has the focus.  The widget only renders; Review lays the steps out.
Its styles are plan_step.tcss (``PLAN_STEP_CSS``, for the screen's CSS_PATH).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from ..backend.steps import RunCommand, Step, WriteFile, host_change
from ..backend.vis import vis

#: For the CSS_PATH of a screen that shows PlanSteps.
PLAN_STEP_CSS = str(Path(__file__).with_name("plan_step.tcss"))
#: A step whose diffs take at most this many lines shows them without being opened.
SHORT = 8


def diff_content(diff: str) -> Content:
    """A unified diff, one style per kind of line."""
    parts: list = []
    for number, line in enumerate(diff.splitlines()):
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("@@"):
            style = "$accent"
        elif line.startswith("+"):
            style = "$success"
        elif line.startswith("-"):
            style = "$error"
        else:
            style = ""
        if number:
            parts.append("\n")
        shown = "    " + vis(line)
        parts.append((shown, style) if style else shown)
    return Content.assemble(*parts)


def diff_lines(step: Step) -> int:
    """How many lines the diffs of ``step``'s file changes take."""
    return sum(len(a.diff().splitlines()) for a in files(step))


def files(step: Step) -> list[WriteFile]:
    """The files ``step`` writes on the host (not the wizard's own records)."""
    return [a for a in step.actions if isinstance(a, WriteFile) and host_change(a)]


def counts(diff: str) -> str:
    """'+3 -1': the lines a unified diff adds and removes."""
    lines = diff.splitlines()
    added = sum(1 for x in lines if x.startswith("+") and not x.startswith("+++"))
    removed = sum(1 for x in lines if x.startswith("-") and not x.startswith("---"))
    return f"+{added} -{removed}"


def step_content(step: Step, index: int, total: int, opened: bool) -> Content:
    """One step: its heading with state and risks, notes, commands and files; the
    files' modes, owners and diffs when they are short or ``opened``, else the lines
    each file gains and loses."""
    state = ("changes", "$warning bold") if step.changes else ("unchanged", "$text-muted")
    parts: list = [(f"{index:>2}/{total} {step.id:<10}", "bold"), f" {step.title}: ", state]
    for risk in step.risks:
        parts += ["\n", (f"  ⚠ {risk}", "$error")]
    for note in step.notes:
        parts += ["\n", ("  note: ", "bold $accent"), vis(note, keep_newlines=True)]
    show = opened or diff_lines(step) <= SHORT
    for action in filter(host_change, step.actions):  # not the wizard's own records
        parts.append("\n")
        if isinstance(action, RunCommand):
            parts += [("  $ ", "$accent"), (vis(action.describe()), "bold")]
            continue
        parts.append((f"  {vis(action.describe())}", "bold"))
        if show:
            parts += [f" (mode {action.mode:04o}, {action.owner_text()})"]
            parts += ["\n", diff_content(action.diff())]
        else:
            parts += [" ", (counts(action.diff()), "$text-muted")]
    if not show:
        parts += [
            "\n",
            (f"  ▸ Enter or space shows the diffs ({diff_lines(step)} lines)", "$accent"),
        ]
    return Content.assemble(*parts).rstrip()


class PlanStep(Static, can_focus=True):
    """A step of the plan; Enter or space opens and closes its long diffs."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,space", "toggle_diffs", "Diffs"),
    ]

    opened = reactive(False, bindings=True)

    def __init__(self, step: Step, index: int, total: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.step, self.index, self.total = step, index, total
        self.update(step_content(step, index, total, opened=False))

    @property
    def foldable(self) -> bool:
        """Whether the step has a diff to open."""
        return diff_lines(self.step) > SHORT

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.foldable if action == "toggle_diffs" else True

    def watch_opened(self, opened: bool) -> None:
        self.update(step_content(self.step, self.index, self.total, opened))
        self.set_class(opened, "-opened")

    def action_toggle_diffs(self) -> None:
        self.opened = not self.opened
