"""Undo: put back the files a run changed, from its backups, and the services as the
run found them (:mod:`.undoplan` works out what that takes)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .. import backup, journal, services, written
from ..facts import RC_CONF, RC_DEFAULTS, RcConf
from ..hosts import Host
from ..lock import Lock, LockHeld
from .result import ApplyError
from .undoplan import UndoPlan, plan_undo

#: how long a started service gets to show up in ``status`` (rc.d start returns first)
START_WAIT = 10.0


@dataclass
class Undone:
    """What an undo did: the files put back, the service actions, and the ones that
    failed (each names the service and where to look)."""

    restored: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def preview(host: Host, run_id: str | None = None) -> UndoPlan:
    """What undoing ``run_id`` (None: the newest run that changed something) does.

    Raises HostError for a malformed ``run_id`` (before anything is read), LockHeld
    naming the running apply, ApplyError when there is nothing to undo."""
    if run_id is not None:
        journal.check_run_id(run_id)
    with _locked(host):
        return plan_undo(host, run_id)


def execute(host: Host, plan: UndoPlan, notes: list[str] | None = None) -> Undone:
    """Undo as ``plan`` says: stop what the run started, restore its files, start
    what it stopped (rc.conf, restored, enables it again), restart what it
    restarted.  Nothing changes when a file cannot be restored (HostError, from
    safefile.Refused), while an apply runs (LockHeld), or when the newest changing
    run is no longer the one ``plan`` picked (ApplyError)."""
    done = Undone()
    with _locked(host):
        if plan.picked and plan_undo(host, None).run_id != plan.run_id:
            raise ApplyError(
                f"run {plan.run_id} is no longer the newest run that changed this host; "
                "run undo again to see the newer one"
            )

        def stops() -> None:
            for service, verb in plan.stops:
                _act(host, service, verb, done)

        if plan.files:
            done.restored = backup.restore(host, plan.run_id, first=stops)
            _remember(host, plan.run_id, done.restored, notes)
        else:
            stops()
        for service, verb in plan.after:
            _act(host, service, verb, done)
    return done


def undo(host: Host, run_id: str | None = None, notes: list[str] | None = None) -> list[str]:
    """Undo ``run_id`` (None: the newest run that changed something) without asking;
    return the restored paths.  What the user should know is appended to ``notes``."""
    undone = execute(host, preview(host, run_id), notes)
    if notes is not None:
        notes.extend(undone.problems)
    return undone.restored


@contextmanager
def _locked(host: Host) -> Iterator[None]:
    """The lock; LockHeld naming the apply that holds it."""
    lock = Lock(host)
    try:
        lock.__enter__()
    except LockHeld as exc:
        raise LockHeld(f"{_running(host)}{exc}") from None
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


def _running(host: Host) -> str:
    """ "apply run ID is running: " when the newest run's journal says so."""
    try:
        run_id = journal.last_run(host)
        if run_id and journal.Journal.load(host, run_id).status == "running":
            return f"apply run {run_id} is running: "
    except journal.Damaged:
        pass
    return ""


def _remember(host: Host, run_id: str, restored: list[str], notes: list[str] | None) -> None:
    """The record of the files the wizard wrote now holds the restored contents."""
    record = written.load(host.read_text(written.WRITTEN) if host.exists(written.WRITTEN) else None)
    if record.damage:
        if notes is not None:
            notes.append(f"{written.damage_message(record.damage)} (undo left it as it is)")
        return
    written.remember(
        host,
        {p: host.read_text(p) if host.exists(p) else None for p in restored if p in record.files},
        run_id,
    )


def _act(host: Host, service: str, verb: str, done: Undone) -> None:
    """One rc.d action, as rc.conf enables the service now (``one`` prefix if not)."""
    enabled = RcConf(_text(host, RC_CONF), _text(host, RC_DEFAULTS)).yes(service)
    running = _running_now(host, service, enabled)
    if verb == "start" and running:
        done.services.append(f"{service} was running already")
        return
    if verb != "start" and not running:
        done.services.append(f"{service} was not running: not {_past(verb)}")
        return
    result = services.act(host, service, verb, enabled)
    if verb == "stop":
        ok = not _running_now(host, service, enabled)
    elif verb == "reload":
        ok = result.ok
    else:
        ok = result.ok and _wait_up(host, service, enabled)
    if ok:
        done.services.append(f"{_past(verb)} {service}")
        return
    said = (result.stderr or result.stdout).strip().splitlines()
    done.problems.append(
        f"{service} did not {verb}: {' '.join(result.argv)} exited {result.rc}"
        + (f" ({said[-1]})" if said else "")
        + "; its messages are in /var/log/maillog"
    )


def _past(verb: str) -> str:
    return {"stop": "stopped", "start": "started", "restart": "restarted"}.get(verb, "reloaded")


def _running_now(host: Host, service: str, enabled: bool) -> bool:
    return host.run([f"/etc/rc.d/{service}", "status" if enabled else "onestatus"]).rc == 0


def _wait_up(host: Host, service: str, enabled: bool) -> bool:
    deadline = time.monotonic() + START_WAIT
    while not _running_now(host, service, enabled):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _text(host: Host, path: str) -> str:
    return host.read_text(path) if host.exists(path) else ""
