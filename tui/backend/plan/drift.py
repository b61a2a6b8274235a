"""Drift: files changed by hand since the wizard wrote them, and what a plan does
with each (keep the admin's version, overwrite it, or leave it undecided)."""

from __future__ import annotations

import dataclasses

from .. import written
from ..hoststate import HostState
from ..steps import Drift, RunCommand, Step, WriteFile


def resolve_drift(
    step: Step, state: HostState, keep: set[str], overwrite: set[str], drift: dict[str, Drift]
) -> None:
    """Note each file this step writes that was changed by hand since the wizard
    wrote it; drop the writes of the files the admin keeps."""
    record = written.load(state.text(written.WRITTEN))
    kept: dict[WriteFile, str] = {}
    for action in step.actions:
        if not isinstance(action, WriteFile) or action.bookkeeping:
            continue
        entry = record.files.get(action.path)
        if record.damage:  # what the wizard wrote is unknown: any edit may be the admin's
            if action.old is None:
                continue
        elif entry is None or not written.changed_by_hand(entry, action.old):
            continue
        resolution = (
            "keep" if action.path in keep else "overwrite" if action.path in overwrite else ""
        )
        wrote = None if record.damage or entry is None else entry["text"]
        drift.setdefault(action.path, Drift(action.path, wrote, action.old, resolution))
        if resolution == "keep":
            kept[action] = action.path
    if not kept:
        return
    actions = []
    for action in step.actions:
        if action in kept:
            continue
        if isinstance(action, RunCommand) and action.input is not None:
            source = next((w for w in kept if w.new == action.input), None)
            if source is not None:  # compile the admin's rules, not the profile's
                if all(state.cdbs.get(path, False) for path in action.touches):
                    continue
                actions.append(dataclasses.replace(action, input=source.old or ""))
                continue
        actions.append(action)
    step.actions[:] = actions
    step.notes.extend(
        f"{path} keeps your version (changed by hand since qmail-wizard "
        "wrote it); the profile's version is not written."
        for path in sorted(set(kept.values()))
    )
