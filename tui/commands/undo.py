"""undo: say which run, which files and services it puts back and what stays, ask,
then undo it (DESIGN §5)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from ..backend.backup import BACKUP_ROOT
from ..backend.hosts import Host, HostError
from ..backend.vis import vis
from .answer import ask

if TYPE_CHECKING:  # the apply package is imported when undo runs (pexpect, psutil)
    from ..backend.apply import UndoPlan

#: what a run's changed step leaves behind that undo does not take back
LEFT = {
    "users": "the accounts and groups it added (userdel and groupdel remove them)",
    "maildirs": "the Maildirs it made, and the mail in them",
}


def cmd_undo(host: Host, run_id: str | None, yes: bool) -> int:
    from ..backend import apply as apply_mod
    from ..backend.journal import check_run_id
    from ..backend.session import Session

    if run_id is not None:  # before anything is read
        try:
            check_run_id(run_id)
        except HostError as exc:
            return _fail(
                f"cannot undo: {exc} (the runs are the directories under "
                f"{BACKUP_ROOT}/). Nothing was read or restored."
            )
    try:
        session = Session(host)
        plan = session.undo_preview(run_id)
    except (apply_mod.LockHeld, apply_mod.ApplyError, HostError) as exc:
        return _fail(_stopped(exc))
    print(vis(describe(plan), keep_newlines=True), end="")
    if not yes and not _confirmed(plan):
        return 1
    notes: list[str] = []
    try:
        done = session.undo(plan, notes)
    except (apply_mod.LockHeld, apply_mod.ApplyError, HostError) as exc:
        return _fail(_stopped(exc))
    for line in [f"restored {path}" for path in done.restored] + done.services:
        print(vis(line))
    for note in plan.notes + notes:
        print(vis(f"note: {note}"), file=sys.stderr)
    if done.problems:
        return _fail("undo put the files back, but " + "; ".join(done.problems))
    print(vis(f"Undid run {plan.run_id}.{_packages_after(plan)}"))
    return 0


def _stopped(exc: Exception) -> str:
    """The one line of an undo that cannot go on: a run holds the lock, the run's
    records are refused, or the host failed."""
    from ..backend.apply import ApplyError, LockHeld

    if isinstance(exc, LockHeld):
        return f"cannot undo now: {exc}. Nothing was changed."
    if isinstance(exc, ApplyError):
        return str(exc)
    return f"undo refused: {exc}"


def _confirmed(plan: UndoPlan) -> bool:
    """The admin's yes at the prompt (a message and False without a terminal)."""
    if not sys.stdin.isatty():
        _fail(f"undo changes the host: confirm with 'qmail-wizard undo --run {plan.run_id} --yes'.")
        return False
    try:
        answer = ask(f"Undo run {plan.run_id}? [y/N] ").strip().lower()
    except (EOFError, KeyboardInterrupt):
        answer = ""
        print()
    if answer not in ("y", "yes"):
        print("Nothing changed.")
        return False
    return True


def describe(plan: UndoPlan) -> str:
    """The confirmation: the run, what undo restores, and what it leaves."""
    which = " (the newest run that changed this host)" if plan.picked else ""
    lines = [f"Undo run {plan.run_id}, started {plan.started}{which}:"]
    back = [p for p, existed in plan.files.items() if existed]
    gone = [p for p, existed in plan.files.items() if not existed]
    if back:
        lines.append(f"  put back as they were, from {BACKUP_ROOT}/{plan.run_id}/:")
        lines += [f"    {p}" for p in back]
    if gone:
        lines.append("  delete the files the run created:")
        lines += [f"    {p}" for p in gone]
    if plan.stops:
        lines.append(f"  first stop {', '.join(s for s, _ in plan.stops)} (the run started them)")
    for service, verb in plan.after:
        why = "the run stopped it" if verb == "start" else f"the run did a {verb}"
        lines.append(f"  then {verb} {service} ({why}; rc.conf as restored)")
    lines.append("Undo does not take back:")
    if plan.packages is None:
        lines.append(
            "  the packages the run installed (pkg_info lists them; pkg_delete NAME removes one)"
        )
    elif plan.packages:
        lines.append(f"  the packages the run installed: {' '.join(plan.packages)}")
        lines.append(f"    to remove them after the undo: {plan.pkg_delete()}")
    lines += [f"  {LEFT[step]}" for step in plan.changed if step in LEFT]
    lines.append("  mail already delivered or queued")
    return "\n".join(lines) + "\n"


def _packages_after(plan: UndoPlan) -> str:
    if plan.packages:
        return f" The packages stay; to remove them: {plan.pkg_delete()}"
    return ""


def _fail(message: str) -> int:
    print(vis(f"qmail-wizard: {message}", keep_newlines=True), file=sys.stderr)
    return 1
