"""Apply a plan step by step (DESIGN §7): backups, journal, log, lock, resume, undo.

The engine walks STEP_IDS in order.  It plans once at the start and again before a
step whenever the previous step changed something, so every step acts on the real
state: that makes apply idempotent and ``--resume`` a re-plan from the real state.
Files are backed up before they change; every action is logged; each finished step
is journalled; the first failing action stops the run.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable, TextIO

from . import backup, journal, stream, written
from .backup import Backups
from .hosts import Host, HostError
from .journal import Journal
from .lock import Lock, LockHeld
from .probe import Prober
from .runlog import RunLog, log_path
from .steps import NEW_FILE_OWNER, STEP_IDS, Plan, RunCommand, Step, WriteFile, host_change
from .vis import vis

__all__ = [
    "ActionStarted",
    "ApplyError",
    "ApplyResult",
    "Failed",
    "Failure",
    "Finished",
    "LockHeld",
    "OutputLine",
    "Prompt",
    "StepFinished",
    "StepStarted",
    "apply",
    "stderr_reporter",
    "undo",
]


class ApplyError(Exception):
    """Apply or undo cannot start (nothing to resume, no such run); says why."""


# -- progress events -------------------------------------------------------------------
@dataclass(frozen=True)
class StepStarted:
    index: int
    total: int
    step_id: str
    title: str


@dataclass(frozen=True)
class ActionStarted:
    text: str


@dataclass(frozen=True)
class OutputLine:
    text: str


@dataclass(frozen=True)
class Prompt:
    """A command asked ``prompt`` after printing ``text``; ``answer`` is being sent."""

    text: str
    prompt: str
    answer: str


@dataclass(frozen=True)
class StepFinished:
    step_id: str
    changed: bool


@dataclass(frozen=True)
class Finished:
    run_id: str
    changed: tuple[str, ...]


@dataclass(frozen=True)
class Failed:
    failure: "Failure"


# -- results ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Failure:
    run_id: str
    step: str
    command: str  # the action's text (RunCommand.describe(), "edit /etc/rc.conf")
    status: int | None  # exit status; None when it did not exit (cancelled, host error)
    detail: str  # what happened, e.g. "exited with status 1"
    log: str
    last_output: str = ""
    cancelled: bool = False

    def render(self, profile: str = "PROFILE") -> str:
        """The one-paragraph message, with the profile path the user applied."""
        action = f"`{self.command}` " if self.command else ""
        seen = f' Its last output line: "{self.last_output}".' if self.last_output else ""
        todo = "To continue, run" if self.cancelled else "Fix the cause, then run"
        return (
            f"apply stopped in step '{self.step}': {action}{self.detail}.{seen} "
            f"Nothing after it was executed; every file changed before it was backed "
            f"up under {backup.run_dir(self.run_id)}/. The full output is in {self.log}. "
            f"{todo}: qmail-wizard apply {profile} --resume "
            f"(or put the files back with: qmail-wizard undo --run {self.run_id})"
        )

    @property
    def message(self) -> str:
        return self.render()


@dataclass
class ApplyResult:
    ok: bool
    run_id: str
    #: step ids that changed something in this run (a resumed run included)
    changed: list[str] = field(default_factory=list)
    failure: Failure | None = None
    resumed: bool = False
    #: things the user should know, e.g. an unfinished earlier run that was not resumed
    notes: list[str] = field(default_factory=list)
    #: the verify step's checks (tui.backend.verify.Check); a failing one fails the run
    checks: list = field(default_factory=list)

    @property
    def log(self) -> str:
        return log_path(self.run_id)


class _ActionFailed(Exception):
    def __init__(self, status: int | None, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


# -- apply -------------------------------------------------------------------------------
def apply(
    host: Host,
    replan: Callable[[], Plan],
    run_id: str | None = None,
    resume: bool = False,
    progress: Callable[[object], None] | None = None,
    cancel: threading.Event | None = None,
    verify: Callable[[bool], list] | None = None,
    prober: Prober | None = None,
) -> ApplyResult:
    """Apply what ``replan()`` plans, step by step; see the module docstring.

    ``verify(delivery)`` runs in the last step ("verify") and returns the checks
    (tui.backend.verify); ``delivery`` is False when the run changed nothing (no
    test message needed).  Any failing check fails the run, naming it and its fix.
    A step that would write a file changed by hand since the wizard wrote it (drift
    nobody chose to keep or overwrite, ``Plan.undecided``) fails the run untouched.
    Every host file written is recorded (tui.backend.written).

    ``prober``: the Prober ``replan`` (and ``verify``) read the host with; apply tells
    it what each step did, so that a re-plan after a step that only wrote files
    needs no probe and one after commands skips what they cannot have changed.

    ``resume`` continues the newest run (or ``run_id``) if it did not finish.
    Raises LockHeld while another run holds the lock, ApplyError when there is
    nothing to resume; every failure after that is returned in the ApplyResult.
    """
    with Lock(host) as lock:
        record, notes = _open_run(host, run_id, resume)
        if lock.cleared:
            notes.insert(0, f"cleared the stale lock of a run that is gone ({lock.cleared})")
        run = _Run(host, record, progress or (lambda event: None), cancel, verify, prober)
        return run.execute(replan, resume, notes)


def _open_run(host: Host, run_id: str | None, resume: bool) -> tuple[Journal, list[str]]:
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


class _Run:
    def __init__(self, host: Host, record: Journal, emit, cancel, verify, prober):
        self.host = host
        self.prober = prober
        self.record = record
        self.emit = emit
        self.cancel = cancel
        self.verify = verify
        self.checks: list = []
        self.log = RunLog(host, record.run_id)
        self.backups = Backups(host, record.run_id)
        self.last_line = ""

    def execute(self, replan: Callable[[], Plan], resumed: bool, notes: list[str]) -> ApplyResult:
        record = self.record
        record.save(self.host)
        journal.set_last_run(self.host, record.run_id)
        self.log.note(
            f"run {record.run_id} {'resumed' if resumed else 'started'} on {self.host.name} host"
        )
        step_id, command = STEP_IDS[0], "plan (probe the host)"
        try:
            plan, changed = replan(), False
            for index, step_id in enumerate(STEP_IDS, 1):
                command = ""
                self._check_cancel()
                if changed:
                    command = "re-plan (probe the host)"
                    plan = replan()
                    command = ""
                step = plan.step(step_id)
                changed = step.changes
                self.emit(StepStarted(index, len(STEP_IDS), step_id, step.title))
                self._refuse_drift(plan, step)
                for action in step.actions:
                    command = action.describe()
                    self._check_cancel()
                    self._act(step, action)
                self._observed(step)
                if step_id == "verify" and self.verify is not None:
                    command = "qmail-wizard verify"
                    self._run_checks()
                self._step_done(step)
                if step_id == "users":  # accounts left behind: worth saying at the end
                    notes.extend(note for note in step.notes if note not in notes)
        except stream.Cancelled:
            return self._fail(
                step_id,
                command,
                None,
                "was cancelled" if command else "cancelled before it began",
                notes,
                cancelled=True,
            )
        except _ActionFailed as exc:
            return self._fail(step_id, command, exc.status, exc.detail, notes)
        except Exception as exc:  # a host error or a bug: journalled, logged, reported
            self.log.note(traceback.format_exc())
            detail = (
                f"failed: {exc}"
                if isinstance(exc, HostError)
                else f"failed: {type(exc).__name__}: {exc}"
            )
            return self._fail(step_id, command, None, detail, notes)
        record.status, record.failure = "done", None
        record.save(self.host)
        changed = ", ".join(record.changed) or "nothing"
        self.log.note(f"run {record.run_id} done; changed: {changed}")
        self.emit(Finished(record.run_id, tuple(record.changed)))
        return ApplyResult(True, record.run_id, record.changed, None, resumed, notes, self.checks)

    def _observed(self, step: Step) -> None:
        """Tell the prober what ``step`` did: files written (and the record of them)
        or commands run."""
        if self.prober is None or not step.actions:
            return
        writes = [a for a in step.actions if isinstance(a, WriteFile)]
        if len(writes) < len(step.actions):
            self.prober.ran()
            return
        files = {a.path: a.new for a in writes}
        if not all(a.bookkeeping for a in writes):
            files[written.WRITTEN] = self.host.read_text(written.WRITTEN)
        self.prober.wrote(files)

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise stream.Cancelled()

    def _step_done(self, step: Step) -> None:
        self.record.step_done(step.id, step.changes)
        self.record.save(self.host)
        self.log.note(f"[{step.id}] {'changed' if step.changes else 'unchanged'}")
        self.emit(StepFinished(step.id, step.changes))

    def _fail(self, step_id, command, status, detail, notes, cancelled=False) -> ApplyResult:
        failure = Failure(
            self.record.run_id,
            step_id,
            command,
            status,
            detail,
            self.log.path,
            self.last_line,
            cancelled,
        )
        self.record.status = "failed"
        self.record.failure = {
            "step": step_id,
            "command": command,
            "status": status,
            "detail": detail,
        }
        self.record.save(self.host)
        self.log.note(f"[{step_id}] FAILED: {command + ' ' if command else ''}{detail}")
        self.emit(Failed(failure))
        return ApplyResult(
            False,
            self.record.run_id,
            self.record.changed,
            failure,
            bool(self.record.resumed),
            notes,
            self.checks,
        )

    def _refuse_drift(self, plan: Plan, step: Step) -> None:
        paths = {a.path for a in step.actions if isinstance(a, WriteFile)}
        drifted = [d.path for d in plan.undecided if d.path in paths]
        if drifted and plan.damage:
            raise _ActionFailed(
                None,
                f"refused to overwrite {', '.join(drifted)}: "
                f"{plan.damage}. Keep your version or take the profile's "
                "(apply --overwrite-drift, which backs it up first)",
            )
        if drifted:
            raise _ActionFailed(
                None,
                f"refused to overwrite {', '.join(drifted)}: changed "
                "by hand since qmail-wizard wrote it. Keep your version "
                "(edit the profile to match it) or take the profile's "
                "(apply --overwrite-drift, which backs it up first)",
            )

    def _run_checks(self) -> None:
        """The verify step: every check as an output line; the failing ones fail it."""
        self.last_line = ""
        self.emit(ActionStarted("qmail-wizard verify"))
        delivery = bool(self.record.changed)
        self.log.note(
            "[verify] checks (qmail-wizard verify"
            + ("" if delivery else "; no test message: this run changed nothing")
            + "):"
        )
        started = time.monotonic()
        self.checks = self.verify(delivery)
        for check in self.checks:
            self._line(
                f"{'PASS' if check.ok else 'FAIL'} {check.id}: {check.detail}"
                + ("" if check.ok else f" Fix: {check.fix}")
            )
        self.log.note(f"[verify] checks done in {time.monotonic() - started:.2f} s")
        self._check_cancel()
        failed = [check for check in self.checks if not check.ok]
        if failed:
            raise _ActionFailed(
                None,
                "found problems: "
                + "; ".join(f"check '{c.id}' failed: {c.detail} (fix: {c.fix})" for c in failed),
            )

    # -- actions --------------------------------------------------------------------
    def _act(self, step: Step, action) -> None:
        self.last_line = ""
        if host_change(action):  # the wizard's own records are only logged
            self.emit(ActionStarted(action.describe()))
        if isinstance(action, WriteFile):
            self._write(step, action)
        else:
            self._command(step, action)

    def _write(self, step: Step, action: WriteFile) -> None:
        self.backups.save(action.path)
        started = time.monotonic()
        owner = action.owner or self._owner_of(action.path)
        self.host.write(action.path, action.new, mode=action.mode, owner=owner)
        if not action.bookkeeping:
            written.remember(self.host, {action.path: action.new}, self.record.run_id)
        self.log.note(
            f"[{step.id}] {action.describe()} (mode {action.mode:04o}, "
            f"owner {':'.join(owner)}): done in "
            f"{time.monotonic() - started:.2f} s\n{action.diff()}"
        )

    def _owner_of(self, path: str) -> tuple[str, str]:
        """The owner and group ``path`` has now (root:wheel when it does not exist)."""
        if not self.host.exists(path):
            return NEW_FILE_OWNER
        stat = self.host.stat(path)
        return (stat.owner, stat.group) if stat.owner and stat.group else NEW_FILE_OWNER

    def _command(self, step: Step, action: RunCommand) -> None:
        for path in action.touches:
            self.backups.save(path)
        self.log.note(f"[{step.id}] $ {action.describe()}")
        started = time.monotonic()
        if action.stream or action.answers:
            child = self.host.spawn(list(action.argv), env=dict(action.env) or None, cwd=action.cwd)
            if action.input is not None:
                child.send(action.input)
                child.sendeof()
            status = stream.follow(child, self._line, action.answers, self._prompt, self.cancel)
        else:
            result = self.host.run(
                list(action.argv), env=dict(action.env) or None, input=action.input, cwd=action.cwd
            )
            for line in (result.stdout + result.stderr).splitlines():
                self._line(line)
            status = result.rc
        self.log.note(f"[{step.id}] exit {status} after {time.monotonic() - started:.2f} s")
        if status not in action.ok_status:
            meaning = f": {action.failure}" if action.failure else ""
            raise _ActionFailed(status, f"exited with status {status}{meaning}")

    def _line(self, text: str) -> None:
        self.log.output(text)
        if text.strip():
            self.last_line = text.strip()
            self.emit(OutputLine(text))

    def _prompt(self, text: str, prompt: str, answer: str) -> None:
        self.log.output(f"{prompt}{answer}    (answered by qmail-wizard)")
        self.emit(Prompt(text, prompt, answer))


# -- undo --------------------------------------------------------------------------------
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


# -- progress on stderr ----------------------------------------------------------------
def stderr_reporter(stream: TextIO = sys.stderr) -> Callable[[object], None]:
    """A progress callback printing one line per event: ``[N/M] step: command | line``.

    A failure is not shown: the caller prints ``Failure.render(profile)`` once.
    """
    where = {"head": "", "command": ""}

    def show(text: str) -> None:
        print(vis(text), file=stream, flush=True)  # command output is host text

    def report(event) -> None:
        if isinstance(event, StepStarted):
            where["head"] = f"[{event.index}/{event.total}] {event.step_id}"
            show(f"{where['head']}: {event.title}")
        elif isinstance(event, ActionStarted):
            where["command"] = event.text
            show(f"{where['head']}: {event.text}")
        elif isinstance(event, OutputLine):
            show(f"{where['head']}: {where['command']} | {event.text.strip()}")
        elif isinstance(event, Prompt):
            show(f"{where['head']}: {where['command']} asks {event.prompt.strip()!r} after:")
            for line in event.text.splitlines():
                show(f"    {line}")
            show(f"{where['head']}: answering {event.answer!r}")
        elif isinstance(event, StepFinished):
            show(f"{where['head']}: {'changed' if event.changed else 'unchanged'}")
        elif isinstance(event, Finished):
            show(
                f"apply done (run {event.run_id}): {', '.join(event.changed) or 'nothing'} changed"
            )

    return report
