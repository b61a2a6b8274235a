"""Opening a run: a new one with a fresh id, or the unfinished one ``--resume`` continues
(its journal, tui.backend.journal)."""

from __future__ import annotations

from .. import backup, journal
from ..hosts import Host
from ..journal import Journal
from ..runlog import log_path
from .result import ApplyError


def open_run(host: Host, run_id: str | None, resume: bool) -> tuple[Journal, list[str]]:
    """The run's journal and notes for the user; ApplyError when it cannot start."""
    try:
        last = journal.last_run(host)
    except journal.Damaged as exc:
        if resume and run_id is None:
            raise ApplyError(
                f"cannot resume: {exc}; remove it and run apply without --resume"
            ) from None
        last, damaged = None, [f"{exc}; this run replaces it"]
    else:
        damaged = []
    if resume:
        target = run_id or last
        if target is None or not host.exists(journal.journal_path(target)):
            missing = f"no run {target}" if target else "no earlier run"
            raise ApplyError(f"nothing to resume: {missing} was found; run apply without --resume")
        try:
            record = Journal.load(host, target)
        except journal.Damaged as exc:
            raise ApplyError(
                f"cannot resume run {target}: {exc}; remove it (the backups "
                f"and the log of the run stay) and run apply without "
                "--resume"
            ) from None
        if record.finished:
            raise ApplyError(
                f"nothing to resume: run {target} finished; run apply without --resume"
            )
        record.resumed.append(journal.now())
        record.status = "running"
        return record, []
    notes = damaged
    if last and host.exists(journal.journal_path(last)):
        try:
            previous = Journal.load(host, last)
        except journal.Damaged as exc:
            notes.append(
                f"{exc}; this new run does not need it (remove it when its "
                "backups are no longer needed)"
            )
            previous = None
        if previous is not None and not previous.finished:
            notes.append(
                f"run {last} did not finish ({previous.status}); this is a new run. "
                "Use --resume to continue an unfinished run instead."
            )
    if run_id is not None:
        journal.check_run_id(run_id)
    if run_id is not None and _taken(host, run_id):
        raise ApplyError(f"run id {run_id} is already used; choose another or omit it")
    return Journal(
        run_id or journal.new_run_id(host, lambda rid: _taken(host, rid)), journal.now()
    ), notes


def _taken(host: Host, run_id: str) -> bool:
    return any(
        host.exists(p)
        for p in (journal.journal_path(run_id), backup.run_dir(run_id), log_path(run_id))
    )
