"""Apply: runs the plan in a worker and shows each step, the live output and the time.

``Session.apply`` re-plans from the real host state as it goes (probing only after
commands ran); its progress events arrive here as ``Progressed`` messages.  Its last
step runs the checks, kept in ``session.checks`` for Done.  On a failure or a cancel
the screen offers r (resume) and a / Esc (back to the plan).
"""

from __future__ import annotations

import threading
from pathlib import PurePath
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, ProgressBar, Static

from ..backend.apply import (
    ActionStarted,
    ApplyError,
    Failed,
    Finished,
    LockHeld,
    OutputLine,
    Prompt,
    StepFinished,
    StepStarted,
)
from ..backend.hosts import HostError
from ..backend.plan import PlanError
from ..backend.session import Session
from ..backend.steps import STEP_IDS
from ..backend.vis import vis
from ..messages import Advance, ApplyEnded, ApplyRefused, Progressed
from ..widgets.footer import KeyFooter
from ..widgets.output_pane import OutputPane
from ..widgets.step_list import STEP_LIST_CSS, StepList

if TYPE_CHECKING:
    from ..wizard import WizardApp


def elapsed_text(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"Elapsed {minutes}:{seconds:02d}"


class ApplyScreen(Screen):
    CSS_PATH: ClassVar[list[str | PurePath]] = ["apply.tcss", STEP_LIST_CSS]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "next", "Results", priority=True),
        Binding("c,ctrl+c", "cancel", "Cancel apply", priority=True),
        Binding("r", "retry", "Retry (resume)"),
        Binding("a", "abort", "Abort"),
        Binding("escape", "back", "Back to plan", show=False),
    ]

    #: running, cancelling, failed (or cancelled), done; the keys offered follow it
    phase = reactive("running", bindings=True)
    app: WizardApp  # its clock and run_id

    def __init__(self, session: Session) -> None:
        super().__init__(name="apply")
        self.session = session
        self.finished_steps = 0
        self.cancel_event = threading.Event()
        self.failed_once = False
        self.started = 0.0
        #: Ctrl+Q was confirmed while the run went on: quit once it has ended
        self.quitting = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="body"):
            with Horizontal(id="top"):
                yield Static("Applying the plan", classes="screen-title", id="title")
                yield Static(elapsed_text(0), id="elapsed")
            with Horizontal(id="main"):
                yield StepList(id="steps")
                yield OutputPane(id="output")
            yield ProgressBar(total=len(STEP_IDS), show_eta=False, id="progress")
            with VerticalScroll(id="outcome"):
                yield Static("Starting...", id="status", markup=False)
                yield Static("", id="failure", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OutputPane).border_title = "Output"
        self.timer = self.set_interval(1, self.tick)
        self.start(resume=self.app.resume_pending)
        self.app.resume_pending = False

    def on_unmount(self) -> None:
        self.cancel_event.set()

    @property
    def running(self) -> bool:
        """An apply runs (or is being cancelled): quitting now would stop it."""
        return self.phase in ("running", "cancelling")

    # -- the run ------------------------------------------------------------------
    def start(self, resume: bool) -> None:
        self.phase = "running"
        self.finished_steps = 0
        self.cancel_event = threading.Event()
        self.started = self.app.clock()
        self.query_one(StepList).reset()
        self.query_one(ProgressBar).update(progress=0)
        self.query_one("#failure", Static).update("")
        self.set_status(
            "Resuming: planning from the host's state..."
            if resume
            else "Planning from the host's state..."
        )
        self.timer.resume()
        self.run_apply(resume, self.cancel_event, None if resume else self.app.run_id)

    @work(thread=True, exclusive=True, group="apply")
    def run_apply(self, resume: bool, cancel: threading.Event, run_id: str | None) -> None:
        try:
            result = self.session.apply(
                run_id=run_id, resume=resume, progress=self.report, cancel=cancel
            )
        except (LockHeld, ApplyError, PlanError, HostError) as exc:
            self.post_message(ApplyRefused(f"Apply did not start: {exc}"))
            return
        self.post_message(ApplyEnded(result))

    def report(self, event: object) -> None:
        """Worker side: hand a progress event to the screen."""
        self.post_message(Progressed(event))

    def tick(self) -> None:
        self.query_one("#elapsed", Static).update(elapsed_text(self.app.clock() - self.started))

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(vis(text, keep_newlines=True))

    # -- progress events ------------------------------------------------------------
    def on_progressed(self, message: Progressed) -> None:
        event, steps, log = message.event, self.query_one(StepList), self.query_one(OutputPane)
        if isinstance(event, StepStarted):
            steps.set_state(event.step_id, "running")
            if self.phase == "running":
                self.set_status(f"Step {event.index}/{event.total}: {event.title}")
        elif isinstance(event, ActionStarted):
            log.write_line(vis(f"$ {event.text}"))
        elif isinstance(event, OutputLine):
            log.write_line(vis(event.text.rstrip()))
        elif isinstance(event, Prompt):
            log.write_line(
                vis(f"{event.prompt.strip()} {event.answer}  (answered by qmail-wizard)")
            )
        elif isinstance(event, StepFinished):
            steps.set_state(event.step_id, "changed" if event.changed else "unchanged")
            self.finished_steps += 1
            self.query_one(ProgressBar).update(progress=self.finished_steps)
        elif isinstance(event, Finished):
            self.set_status(f"All steps done and verified (run {event.run_id}).")
        elif isinstance(event, Failed):
            failure = event.failure
            steps.set_state(failure.step, "cancelled" if failure.cancelled else "failed")

    def on_apply_ended(self, message: ApplyEnded) -> None:
        self.timer.pause()
        if self.quitting:
            self.app.exit()
            return
        result, failure = message.result, message.result.failure
        log = self.query_one(OutputPane)
        for note in result.notes:
            log.write_line(vis(f"note: {note}"))
        if failure is None:  # result.ok
            self.phase = "done"
            changed = ", ".join(result.changed) or "nothing"
            self.set_status(
                f"Done: {changed} changed; all {len(result.checks)} checks pass. "
                f"Log: {result.log}\nPress Enter for the results."
            )
        else:
            self.failed_once = True
            self.phase = "failed"
            profile = self.session.profile_path or "your profile"
            head = (
                "Cancelled: resume with r · a / Esc: back to the plan"
                if failure.cancelled
                else f"Failed in step '{failure.step}'. r: retry (resume) · a / Esc: "
                "back to the plan"
            )
            self.set_status(f"{head}\nLog: {failure.log}")
            self.query_one("#failure", Static).update(
                vis(failure.render(profile), keep_newlines=True)
            )
            self.query_one("#outcome").focus()
        self.query_one("#status").set_class(self.phase == "failed", "error")
        # the outcome takes rows from the pane: keep its last lines in view
        self.call_after_refresh(log.scroll_end, animate=False)

    def on_apply_refused(self, message: ApplyRefused) -> None:
        self.timer.pause()
        if self.quitting:
            self.app.exit()
            return
        self.phase = "failed"
        self.set_status(f"{message.text}\nr tries again, a / Esc goes back to the plan.")
        self.query_one("#status").add_class("error")

    # -- actions --------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        allowed = {
            "cancel": ("running",),
            "retry": ("failed",),
            "abort": ("failed", "done"),
            "next": ("done",),
        }
        if action in allowed and self.phase not in allowed[action]:
            return None if action == "abort" else False
        return True

    def action_cancel(self) -> None:
        self.cancel()

    def cancel(self, then_quit: bool = False) -> None:
        """Stop the run; with ``then_quit``, quit the wizard once it has ended."""
        self.quitting = self.quitting or then_quit
        self.phase = "cancelling"
        self.cancel_event.set()
        self.set_status(
            "Cancelling, then quitting: stopping the running command..."
            if self.quitting
            else "Cancelling: stopping the running command..."
        )

    def action_retry(self) -> None:
        self.query_one("#status").remove_class("error")
        self.query_one(OutputPane).write_line(
            "--- resuming ---" if self.failed_once else "--- again ---"
        )
        self.start(resume=self.failed_once)

    def action_abort(self) -> None:
        self.app.pop_screen()

    def action_back(self) -> None:
        if self.phase in ("running", "cancelling"):
            self.notify("Apply is running: press c to cancel it first.", severity="warning")
            return
        self.app.pop_screen()

    def action_next(self) -> None:
        self.post_message(Advance(type(self)))
