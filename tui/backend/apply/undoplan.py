"""What an undo will do, worked out before anyone is asked: the run, its files, the
service actions that reverse the run's, and the packages that stay."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import backup, journal
from ..hosts import Host
from ..lock import STATE_DIR
from . import packages
from .result import ApplyError

#: what undo does to reverse a run's rc.d action
INVERSE = {"start": "stop", "stop": "start", "restart": "restart", "reload": "reload"}


@dataclass(frozen=True)
class UndoPlan:
    run_id: str
    started: str
    #: path -> True when undo puts its old content back, False when it deletes it
    files: dict[str, bool]
    #: (service, verb) in the order undo runs them: the stops before the files are
    #: restored, the starts, restarts and reloads after
    services: list[tuple[str, str]]
    #: the packages the run added (they stay installed); None when not known
    packages: list[str] | None
    #: the steps the run changed (what undo leaves is said from them)
    changed: list[str] = field(default_factory=list)
    #: True when the run was picked as the newest that changed something
    picked: bool = False
    #: what the admin should know before confirming
    notes: list[str] = field(default_factory=list)

    @property
    def stops(self) -> list[tuple[str, str]]:
        return [a for a in self.services if a[1] == "stop"]

    @property
    def after(self) -> list[tuple[str, str]]:
        return [a for a in self.services if a[1] != "stop"]

    def pkg_delete(self) -> str:
        return packages.pkg_delete(self.packages or [])


def plan_undo(host: Host, run_id: str | None) -> UndoPlan:
    """The undo of ``run_id`` (None: the newest run that changed something).  Call it
    holding the lock.  ApplyError when there is nothing to undo or no run to pick."""
    picked = run_id is None
    if run_id is None:
        run_id = newest_change(host)
    record, notes = _journal(host, run_id)
    files: dict[str, bool] = {}
    if host.exists(backup.run_dir(run_id)):
        manifest = backup.load_manifest(host, run_id)
        files = {path: entry["existed"] for path, entry in sorted(manifest.items())}
    services = reverse(record.services) if record else []
    if not files and not services:
        raise ApplyError(
            f"nothing to undo: run {run_id} has no backups under {backup.BACKUP_ROOT}/ "
            "and started or stopped no service"
        )
    added: list[str] | None = []
    if record is None or "packages" in record.changed:
        now = packages.installed(host)
        before = record.packages_before if record else None
        added = None if before is None or now is None else packages.added(before, now)
    started = record.started if record else "unknown"
    changed = record.changed if record else []
    return UndoPlan(run_id, started, files, services, added, changed, picked, notes)


def reverse(actions: list[list[str]]) -> list[tuple[str, str]]:
    """Undo's service actions for a run's: each service back to how the run found it
    (the inverse of its first action), the services in reverse order."""
    first: dict[str, str] = {}
    for service, verb in actions:
        first.setdefault(service, verb)
    order = sorted(first, key=lambda s: max(i for i, a in enumerate(actions) if a[0] == s))
    return [(service, INVERSE[first[service]]) for service in reversed(order)]


def newest_change(host: Host) -> str:
    """The newest run that changed the host: a changed step, a service action or a
    file outside the wizard's own records."""
    try:
        last = journal.last_run(host)
    except journal.Damaged as exc:
        raise _name_it(exc) from None
    ids = journal.run_ids(host) or ([last] if last else [])
    if not ids:
        raise ApplyError("nothing to undo: no run was recorded on this host")
    for run_id in reversed(ids):
        try:
            record = journal.Journal.load(host, run_id) if _journalled(host, run_id) else None
        except journal.Damaged as exc:
            raise _name_it(exc) from None
        if record is None or record.changed or record.services or _files_changed(host, run_id):
            return run_id
    raise ApplyError(
        f"nothing to undo: no run changed this host (the runs {ids[0]} to {ids[-1]} "
        "found everything as profiled)"
        if len(ids) > 1
        else f"nothing to undo: run {ids[0]} changed nothing"
    )


def _journalled(host: Host, run_id: str) -> bool:
    return host.exists(journal.journal_path(run_id))


def _files_changed(host: Host, run_id: str) -> bool:
    if not host.exists(backup.run_dir(run_id)):
        return False
    manifest = backup.load_manifest(host, run_id)
    return any(not path.startswith(STATE_DIR + "/") for path in manifest)


def _journal(host: Host, run_id: str) -> tuple[journal.Journal | None, list[str]]:
    """The run's journal, or None and why (undo still restores its files)."""
    if not _journalled(host, run_id):
        return None, [f"run {run_id} has no journal: the services are left as they are"]
    try:
        return journal.Journal.load(host, run_id), []
    except journal.Damaged as exc:
        return None, [f"{exc}: the services are left as they are"]


def _name_it(exc: Exception) -> ApplyError:
    return ApplyError(
        f"cannot undo: {exc}; name the run with --run ID (the runs are the "
        f"directories under {backup.BACKUP_ROOT}/)"
    )
