"""Undo: put back the files a run changed, from its backups."""

from __future__ import annotations

from .. import backup, journal, written
from ..hosts import Host
from ..lock import Lock
from .result import ApplyError


def undo(host: Host, run_id: str | None = None, notes: list[str] | None = None) -> list[str]:
    """Restore every file run ``run_id`` (default: the newest) changed; return the
    paths.  What the user should know is appended to ``notes``.

    ``run_id`` must have the run-id format (HostError naming it, before anything is
    read).  Raises LockHeld while a run holds the lock, ApplyError when there is no
    such run, HostError (safefile.Refused) when a destination is a link.
    """
    if run_id is not None:
        journal.check_run_id(run_id)
    with Lock(host):
        if run_id is None:
            try:
                run_id = journal.last_run(host)
            except journal.Damaged as exc:
                raise ApplyError(
                    f"cannot undo: {exc}; name the run with --run ID (the "
                    f"runs are the directories under "
                    f"{backup.BACKUP_ROOT}/)"
                ) from None
        if run_id is None:
            raise ApplyError("nothing to undo: no run was recorded on this host")
        if not host.exists(backup.run_dir(run_id)):
            raise ApplyError(
                f"nothing to undo: run {run_id} has no backups under {backup.BACKUP_ROOT}/"
            )
        restored = backup.restore(host, run_id)
        record = written.load(
            host.read_text(written.WRITTEN) if host.exists(written.WRITTEN) else None
        )
        if record.damage:
            if notes is not None:
                notes.append(f"{written.damage_message(record.damage)} (undo left it as it is)")
            return restored
        written.remember(
            host,
            {
                p: host.read_text(p) if host.exists(p) else None
                for p in restored
                if p in record.files
            },
            run_id,
        )
        return restored
