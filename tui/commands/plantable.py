"""The plan as apply shows it before asking: one row per changing step (step, change,
risk), lines of at most 100 columns; `qmail-wizard plan` keeps the commands and diffs."""

from __future__ import annotations

import textwrap
from itertools import zip_longest

from ..backend.steps import Plan, RunCommand, Step, WriteFile, host_change
from ..backend.vis import vis
from .progress import WIDTH, wrapped

STEP = 12  # the step column's width
CHANGE = 50  # the change column's width
RISK = WIDTH - 2 - STEP - CHANGE


def _change(step: Step) -> str:
    """What the step changes: the files it writes, the number of commands it runs."""
    files = [
        a.path.rsplit("/", 1)[-1]
        for a in step.actions
        if isinstance(a, WriteFile) and host_change(a)
    ]
    commands = sum(isinstance(a, RunCommand) for a in step.actions)
    parts = []
    if files:
        parts.append(f"writes {', '.join(files)}")
    if commands:
        parts.append(f"runs {commands} command{'s' if commands > 1 else ''}")
    return "; ".join(parts)


def plan_table(plan: Plan, header: str, diffs: str) -> str:
    """``header``, the table, the drift and notes, and where the diffs are (``diffs``,
    the `plan` command line)."""
    lines = [*wrapped(header, "  ")]
    if plan.damage:
        lines += wrapped(f"WARNING: {plan.damage}.", "  ")
    lines.append(f"  {'step':<{STEP}}{'change':<{CHANGE}}risk")
    changing = [s for s in plan.steps if s.changes]
    for step in changing:
        changes = textwrap.wrap(_change(step), CHANGE - 2) or [""]
        risks = [part for risk in step.risks for part in textwrap.wrap(risk, RISK)]
        for n, (change, risk) in enumerate(zip_longest(changes, risks, fillvalue="")):
            lines.append(f"  {step.id if n == 0 else '':<{STEP}}{change:<{CHANGE}}{risk}".rstrip())
    for drift in plan.drift:
        kept = "kept (not written)" if drift.resolution == "keep" else "overwritten (backed up)"
        lines += wrapped(f"changed by hand: {drift.path}: {kept}", "  ")
    for step in changing:
        for note in step.notes:
            lines += wrapped(f"note ({step.id}): {note}", "  ")
    same = [s.id for s in plan.steps if not s.changes]
    lines += wrapped(
        f"{len(changing)} of {len(plan.steps)} steps change the host"
        + (f" (unchanged: {', '.join(same)})" if same else "")
        + ". Commands and diffs:",
        "  ",
    )
    lines.append(f"  {diffs}")  # a command to copy: whole
    return "".join(vis(line) + "\n" for line in lines)
