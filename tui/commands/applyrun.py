"""One headless apply run: the engine in a worker thread, its progress on stderr,
Ctrl+C as a clean stop, and the summary once on stdout.

Ctrl+C stops the run before its next action (the one under way finishes whole);
a second Ctrl+C cuts the running command short (the engine's cancel).  Either way
every file written is whole (written to a temp file, then renamed) and backed up,
the journal has the steps done, and ``--resume`` continues from the host's state.
"""

from __future__ import annotations

import sys
import threading
import time

from ..backend import backup
from ..backend.apply import ApplyResult
from ..backend.session import Session
from ..backend.vis import vis
from .progress import StepLines, wrapped

TICK = 0.1  # seconds between redraws of the live line


def run_apply(
    session: Session,
    path: str,
    resume: bool,
    verbose: bool,
    wizard: str,
    keep_test_message: bool = False,
) -> int:
    """Exit status: 0 applied, 1 failed, 130 stopped by Ctrl+C.  ``wizard`` is the
    command line prefix to repeat (``qmail-wizard --target ...``)."""
    progress = StepLines(sys.stderr, verbose)
    cancel = threading.Event()
    outcome: dict = {}
    done = threading.Event()

    def work() -> None:
        try:
            outcome["result"] = session.apply(
                resume=resume,
                progress=progress,
                cancel=cancel,
                keep_test_message=keep_test_message,
            )
        except BaseException as exc:  # handed to the main thread, raised there
            outcome["error"] = exc
        finally:
            done.set()

    started = time.monotonic()
    worker = threading.Thread(target=work, name="apply", daemon=True)
    worker.start()
    interrupts = _wait(done, progress, cancel)
    if "error" in outcome:
        raise outcome["error"]
    result: ApplyResult = outcome["result"]
    for note in result.notes:
        _err(f"note: {note}")
    _checks(result, verbose)
    failure = result.failure
    if failure is not None and failure.cancelled and interrupts:
        _interrupted(result, progress, path, wizard, interrupts > 1)
        return 130
    if failure is not None:
        print(vis(f"qmail-wizard: {failure.render(path)}"), file=sys.stderr)
        return 1
    for drifted in sorted(session.overwrite):
        _err(
            f"note: {drifted} had been changed by hand; the profile's version was "
            f"written and yours saved under {backup.run_dir(result.run_id)}/"
        )
    if interrupts:
        _err("note: Ctrl+C came after the last step began; the run finished.")
    changed = ", ".join(result.changed) if result.changed else "nothing (already as profiled)"
    took = time.monotonic() - started
    print(vis(f"Applied {path} (run {result.run_id}) in {took:.1f} s:"))  # whole: a run id
    _out(f"changed {changed}.", "  ", "  ")
    _out(f"Log: {result.log}")
    return 0


def _wait(done: threading.Event, progress: StepLines, cancel: threading.Event) -> int:
    """Wait for the run, redrawing the live line; the number of Ctrl+C pressed.
    (An Event, not Thread.join: a join cut by KeyboardInterrupt can lose the thread.)"""
    interrupts = 0
    while not done.is_set():
        try:
            done.wait(TICK)
            progress.tick()
        except KeyboardInterrupt:
            interrupts += 1
            if interrupts == 1:
                progress.stop_soon()
                progress.say(
                    "Ctrl+C: stopping once the current action is done (Ctrl+C again "
                    "stops the running command now)."
                )
            elif not cancel.is_set():
                cancel.set()
                progress.say("Ctrl+C: stopping the running command now.")
    return interrupts


def _checks(result: ApplyResult, verbose: bool) -> None:
    """The verify step's checks: all of them with ``verbose``, else the failing ones;
    then the count."""
    if not result.checks:
        return
    from ..backend.verify import render_text

    failed = [c for c in result.checks if not c.ok]
    if verbose:
        sys.stdout.write(vis(render_text(result.checks), keep_newlines=True))
        return
    for check in failed:
        _out(f"FAIL  {check.id}: {check.title}: {check.detail}", "      ")
        _out(f"fix: {check.fix}", "      ", "      ")
    total = len(result.checks)
    if failed:
        _out(f"{len(failed)} of {total} checks failed: {', '.join(c.id for c in failed)}")
    else:
        _out(f"all {total} checks pass")


def _interrupted(result: ApplyResult, progress: StepLines, path: str, wizard: str, cut: bool):
    """What was done, that nothing is half-written, and the commands to go on."""
    failure = result.failure
    assert failure is not None
    done = ", ".join(step for step, _ in progress.finished) or "none"
    if cut and failure.command:
        where = f"`{failure.command}` was cut short (--resume runs it again)"
    elif failure.command:
        where = f"before `{failure.command}`"
    else:
        where = "before it began"
    changed = ", ".join(result.changed) or "nothing"
    _err(
        f"Interrupted: apply stopped in step '{failure.step}', {where}. Steps done: "
        f"{done}; changed so far: {changed}. Nothing is half-written: each file was "
        f"backed up under {backup.run_dir(failure.run_id)}/ and replaced whole (a temp "
        f"file, then a rename); the journal of run {failure.run_id} has the steps done."
    )
    _err(f"Log: {failure.log}")
    _err_command("To finish:", f"{wizard} apply {path} --resume")
    _err_command("To put the files back instead:", f"{wizard} undo --run {failure.run_id}")


def _out(text: str, indent: str = "  ", first: str = "") -> None:
    for line in wrapped(first + text, indent):
        print(vis(line))


def _err_command(label: str, command: str) -> None:
    """A command to copy: on its own line, whole (never wrapped)."""
    print(label, file=sys.stderr)
    print(vis(f"  {command}"), file=sys.stderr)


def _err(text: str) -> None:
    for line in wrapped(text, "  "):
        print(vis(line), file=sys.stderr)
