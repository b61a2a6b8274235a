"""The engine: one run of the steps, each re-planned from the real host state."""

from __future__ import annotations

import threading
import time
import traceback
from typing import Callable

from .. import journal, stream, written
from ..backup import Backups
from ..hosts import Host, HostError
from ..journal import Journal
from ..lock import Lock
from ..probe import Prober
from ..runlog import RunLog
from ..steps import NEW_FILE_OWNER, STEP_IDS, Plan, RunCommand, Step, WriteFile, host_change
from . import packages
from .events import ActionStarted, Failed, Finished, OutputLine, Prompt, StepFinished, StepStarted
from .result import ApplyResult, Failure
from .resume import open_run


class _ActionFailed(Exception):
    def __init__(self, status: int | None, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


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
    """Apply what ``replan()`` plans, step by step; see the package docstring.

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
        record, notes = open_run(host, run_id, resume)
        if lock.cleared:
            notes.insert(0, f"cleared the stale lock of a run that is gone ({lock.cleared})")
        run = _Run(host, record, progress or (lambda event: None), cancel, verify, prober)
        return run.execute(replan, resume, notes)


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
        if not resumed:  # what undo will name as added: the packages from before the run
            record.packages_before = self._packages_now()
        else:
            written.tidy(self.host)
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
                self.emit(StepStarted(index, len(STEP_IDS), step_id, step.title, tuple(step.risks)))
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
        summary = ", ".join(record.changed) or "nothing"
        self.log.note(f"run {record.run_id} done; changed: {summary}")
        self.emit(Finished(record.run_id, tuple(record.changed)))
        return ApplyResult(True, record.run_id, record.changed, None, resumed, notes, self.checks)

    def _packages_now(self) -> list[str] | None:
        """The installed packages (name-version): from the prober's probe (the first
        plan's, so no round trip of its own) when pkg_info answered it, else pkg_info."""
        if self.prober is not None:
            state = self.prober()
            if state.pkgdb:
                return sorted(state.packages.values())
        return packages.installed(self.host)

    def _observed(self, step: Step) -> None:
        """Tell the prober what ``step`` did: files written (and the record of them)
        and what its commands are known to change, or that commands ran."""
        if self.prober is None or not step.actions:
            return
        writes = [a for a in step.actions if isinstance(a, WriteFile)]
        commands = [a for a in step.actions if isinstance(a, RunCommand)]
        effects = tuple(a.effect for a in commands if a.effect is not None)
        if len(effects) < len(commands):
            self.prober.ran()
            return
        files = {a.path: a.new for a in writes}
        if not all(a.bookkeeping for a in writes):
            files[written.WRITTEN] = self.host.read_text(written.WRITTEN)
        self.prober.changed(files, effects)

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
        if status in action.ok_status and self.record.command_done(action.argv):
            self.record.save(self.host)  # undo reverses it
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
