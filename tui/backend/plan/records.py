"""The wizard's two records under /var/db/qmail-wizard that plans read and write.

``services.json``: what each running service started with (see :mod:`.inputs`).
``packages.json``: {"before": {base: pkgname}} while a packages step runs, {} once it
finished: the packages registered since it began and not then are suspect after a
kill (pkg_add records a package before it extracts it and runs its POST-INSTALL).
"""

from __future__ import annotations

import json

from ..hoststate import HostState
from ..steps import Step, WriteFile

SERVICES_RECORD = "/var/db/qmail-wizard/services.json"
PACKAGES_RECORD = "/var/db/qmail-wizard/packages.json"


def record_text(record: dict) -> str:
    return json.dumps(record, indent=1, sort_keys=True) + "\n"


def services_recorded(state: HostState) -> dict:
    """SERVICES_RECORD as read ({} when missing or unreadable)."""
    try:
        return json.loads(state.text(SERVICES_RECORD) or "{}")
    except ValueError:
        return {}


def unfinished_packages(state: HostState) -> list[str]:
    """Packages registered since a packages step began that never finished (a kill
    inside pkg_add, pkgin or make), dependents first: any of them may lack files or
    the rest of its +INSTALL (qmail's queue, qmail-run's control defaults)."""
    before = packages_before(state)
    if before is None:
        return []
    suspect = [base for base, pkgname in state.packages.items() if before.get(base) != pkgname]
    return sorted(suspect, key=lambda base: (base != "qmail-run", base != "qmail", base))


def packages_before(state: HostState) -> dict | None:
    """What PACKAGES_RECORD says was installed when an unfinished packages step
    began; None when no packages step is unfinished (or the record is unreadable)."""
    try:
        before = json.loads(state.text(PACKAGES_RECORD) or "{}").get("before")
    except (ValueError, AttributeError):
        return None
    return before if isinstance(before, dict) else None


def frame_packages_step(step: Step, state: HostState) -> None:
    """Frame the package commands with PACKAGES_RECORD: what was installed before
    them (kept from the first, interrupted attempt), then {} once they finished."""
    old = state.text(PACKAGES_RECORD)
    if packages_before(state) is None:
        new = record_text({"before": state.packages})
        step.actions.insert(0, WriteFile(PACKAGES_RECORD, old, new, 0o600, bookkeeping=True))
        old = new
    step.actions.append(WriteFile(PACKAGES_RECORD, old, "{}\n", 0o600, bookkeeping=True))
