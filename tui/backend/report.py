"""A plan for humans (text, control characters made visible) and for machines (JSON,
which escapes them)."""

from __future__ import annotations

import json

from .steps import Drift, Plan, RunCommand, WriteFile, host_change
from .vis import vis

RESOLUTIONS = {
    "keep": "kept: the profile's version is not written",
    "overwrite": "overwritten by the profile's version (backed up first)",
    "": "apply refuses until you choose: --overwrite-drift, or edit the profile to match it",
}


def _action_dict(action) -> dict:
    if isinstance(action, WriteFile):
        return {
            "type": "write",
            "path": action.path,
            "mode": f"{action.mode:04o}",
            "owner": action.owner_text(),
            "creates": action.old is None,
            "bookkeeping": action.bookkeeping,
            "diff": action.diff(),
        }
    return {
        "type": "run",
        "command": action.describe(),
        "argv": list(action.argv),
        "env": dict(action.env),
        "cwd": action.cwd,
        "answers": [{"prompt": p, "reply": r} for p, r in action.answers],
    }


def _drift_dict(drift: Drift) -> dict:
    return {
        "path": drift.path,
        "resolution": drift.resolution or None,
        "deleted": drift.now is None,
        "wizard_wrote": drift.wrote,
        "now": drift.now,
        "diff": drift.diff(),
    }


def plan_json(plan: Plan, method: str) -> str:
    return (
        json.dumps(
            {
                "pending": plan.pending,
                "method": method,
                "damage": plan.damage or None,
                "drift": [_drift_dict(d) for d in plan.drift],
                "steps": [
                    {
                        "id": s.id,
                        "title": s.title,
                        "changes": s.changes,
                        "risks": s.risks,
                        "notes": s.notes,
                        "actions": [_action_dict(a) for a in s.actions],
                    }
                    for s in plan.steps
                ],
            },
            indent=2,
        )
        + "\n"
    )


def plan_text(plan: Plan, method: str, header: str) -> str:
    lines = [header, f"Install method: {method}", ""]
    if plan.damage:
        lines += [f"WARNING: {plan.damage}.", ""]
    total = len(plan.steps)
    for index, step in enumerate(plan.steps, 1):
        state = "CHANGES" if step.changes else "unchanged"
        risk = f"  [{'; '.join(step.risks)}]" if step.risks else ""
        lines.append(f"[{index}/{total}] {step.id:<11} {step.title}: {state}{risk}")
        for note in step.notes:
            lines.append(f"    note: {note}")
        for action in step.actions:
            if isinstance(action, RunCommand):
                lines.append(f"    $ {action.describe()}")
            elif not host_change(action):
                lines.append(f"    {action.describe()}")
            else:
                lines.append(
                    f"    {action.describe()} (mode {action.mode:04o}, {action.owner_text()})"
                )
                lines.extend("      " + line for line in action.diff().splitlines())
    if plan.drift:
        lines += ["", "Changed by hand since qmail-wizard wrote them (drift):"]
    for drift in plan.drift:
        gone = (
            " (deleted)"
            if drift.now is None
            else " (differs from the profile; the damaged record cannot say who changed it)"
            if drift.wrote is None
            else ""
        )
        lines.append(f"  {drift.path}{gone}: {RESOLUTIONS[drift.resolution]}")
        lines.extend("      " + line for line in drift.diff().splitlines())
    changing = [s for s in plan.steps if s.changes]
    risks = [r for s in plan.steps for r in s.risks]
    lines.append("")
    if changing:
        lines.append(
            f"{len(changing)} of {total} steps change the host"
            + (f"; risks: {', '.join(risks)}." if risks else ".")
        )
    else:
        lines.append("Nothing to do: the host matches the profile.")
    return vis("\n".join(lines), keep_newlines=True) + "\n"  # diffs hold host text
