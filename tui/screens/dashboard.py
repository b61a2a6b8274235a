"""Dashboard: the services, the queue and the mail log, live; actions on the services.

A thread worker reads the host once a second (``StatusReader``; rc.d ``status`` every
``RC_EVERY`` reads; in between a look at the known processes, a full process scan every
few seconds: an ended process shows as a crash within a second) and posts each
``Status``; a read that would show nothing new is dropped before it reaches the widgets
(an idle Dashboard stays still: uptimes change once a minute); the actions
run in their own workers and wake the reader so their effect shows at once.  The app's
``status_filter`` (identity, pinned by the screenshots) is applied before rendering.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, Static
from textual.worker import get_current_worker

from ..backend.hosts import HostError
from ..backend.session import Session
from ..backend.status import Status
from ..backend.status_text import uptime_text
from ..backend.vis import vis
from ..messages import ActionDone, StatusFailed, StatusRead
from ..widgets.ask import AskScreen
from ..widgets.footer import KeyFooter
from ..widgets.help import HelpScreen
from ..widgets.log_pane import LogPane
from ..widgets.service_table import WIDE, ServiceTable, fingerprint

if TYPE_CHECKING:
    from ..wizard import WizardApp

#: Seconds between reads; every RC_EVERY-th read also runs the rc.d scripts' status.
INTERVAL = 1.0
RC_EVERY = 30
LOG = "/var/log/maillog"
#: Lines of the log the reader keeps (a 120x40 terminal shows about 25).
LOG_LINES = 50


def health(status: Status) -> tuple[str, bool]:
    """One line on the services rc.conf enables, and whether all of them run."""
    enabled = [s for s in status.services if s.enabled]
    down = [s for s in enabled if not s.running]
    if not enabled:
        return "No service is enabled in rc.conf", True
    if not down:
        if len(enabled) == 1:
            return f"The one enabled service, {enabled[0].name}, is running", True
        return f"All {len(enabled)} enabled services are running", True
    named = ", ".join(f"{s.name} {'CRASHED' if s.state == 'crashed' else s.state}" for s in down)
    return f"{named}: select it and press s (start) or r (restart)", False


def queue_text(status: Status) -> str:
    queue = status.queue
    oldest = uptime_text(queue.oldest_s) if queue.oldest_s is not None else "-"
    return (
        f"Queue: {queue.messages} message{'s' if queue.messages != 1 else ''} · "
        f"{queue.unprocessed} not yet preprocessed · oldest {oldest}"
    )


def shown(status: Status) -> tuple:
    """Everything the screen shows of ``status``: a read equal to the last one is dropped."""
    return fingerprint(status.services), queue_text(status), tuple(status.log)


#: What a restart drops, for the services whose restart ends live sessions.
DROPS = {
    "qmailsmtpd": "the SMTP sessions in progress (senders retry later)",
    "qmailofmipd": "the mail submissions in progress",
    "qmailpop3d": "the POP3 sessions in progress",
}
HELP = """\
The services rc.conf knows for qmail (and postfix), read once a second. Enabled: rc.conf \
starts it at boot (yes/no), as `qmail-wizard status` shows it. State: running, stopped, \
CRASHED (enabled but not running), unsure (rc.d and the process list disagree).

↑/↓ selects a service; s starts it, t stops it, r restarts it, l reloads its \
configuration (rc.d reload). A service rc.conf does not enable is started or stopped \
once (onestart, onestop). t asks first, and so does r where a restart drops live \
sessions (qmailsmtpd, qmailofmipd, qmailpop3d).

f flushes the queue (qmail-send retries every message now). m sends a test message to \
postmaster and waits for its delivery. w opens the wizard to change the setup. \
Ctrl+S saves the profile this host embodies."""


def ask_first(action: str, service) -> tuple[str, str] | None:
    """The question to ask before ``action`` on ``service``, None when it needs none
    (stopping or restarting a service that does not run takes nothing away)."""
    if not service.running:
        return None
    if action == "stop":
        return (
            f"Stop {service.name}?",
            f"/etc/rc.d/{service.name} stop: it stays down until s starts it (or the "
            "next boot, if enabled).",
        )
    if action == "restart" and service.name in DROPS:
        return (
            f"Restart {service.name}?",
            f"A restart drops {DROPS[service.name]}.",
        )
    return None


def command_text(command: str, result) -> tuple[str, bool]:
    """``$ command`` with its output (or its exit status when it printed nothing)."""
    output = " · ".join(
        line.strip() for line in (result.stdout + result.stderr).splitlines() if line.strip()
    )
    if result.rc:
        output = f"exit status {result.rc}" + (f": {output}" if output else "")
    return f"$ {command}" + (f"  → {output}" if output else ""), result.rc == 0


class DashboardScreen(Screen):
    CSS_PATH = "dashboard.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "act('start')", "Start"),
        Binding("t", "act('stop')", "Stop"),
        Binding("r", "act('restart')", "Restart"),
        Binding("l", "act('reload')", "Reload"),
        Binding("f", "flush", "Flush"),
        Binding("m", "test_mail", "Test mail"),
        Binding("w", "wizard", "Wizard"),
        Binding("f1", "help", "Help"),
        Binding("escape", "app.pop_screen", "Back", show=False),
        Binding("ctrl+s", "app.save_profile", "Save profile", show=False),
    ]
    SUB_TITLE = "Dashboard"
    app: WizardApp  # its status_filter
    HINT = (
        "↑/↓ selects a service; s t r l act on it, f flushes the queue, m sends a "
        "test message to postmaster"
    )

    def __init__(self, session: Session) -> None:
        super().__init__(name="dashboard")
        self.session = session
        self.reader = session.status_reader(log_lines=LOG_LINES)
        self.status: Status | None = None
        self.busy = False
        self.texts: dict[str, str] = {}
        self.stop_event = threading.Event()
        self.wake_event = threading.Event()

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="body"):
            yield Static(
                "Reading the services...", classes="screen-title", id="health", markup=False
            )
            yield ServiceTable(id="services")
            yield Static("", id="queue", markup=False)
            yield LogPane(id="log")
            yield Static(self.HINT, id="result", classes="hint", markup=False)
        yield KeyFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(LogPane).border_title = LOG
        self.query_one(ServiceTable).focus()
        self.watch_host(self.stop_event, self.wake_event, self.app.status_filter)

    def on_unmount(self) -> None:
        self.stop_event.set()
        self.wake_event.set()

    # -- the live state -------------------------------------------------------------
    @work(thread=True, exclusive=True, group="status")
    def watch_host(self, stop: threading.Event, wake: threading.Event, pin) -> None:
        reads, worker, last = 0, get_current_worker(), None
        while not (stop.is_set() or worker.is_cancelled):
            try:
                status = pin(self.reader.read(rc_check=reads % RC_EVERY == 0))
            except HostError as exc:
                self.post_message(StatusFailed(str(exc)))
                last = None
            else:
                view = shown(status)
                if view != last:
                    last = view
                    self.post_message(StatusRead(status))
            reads += 1
            wake.wait(INTERVAL)
            wake.clear()

    def on_status_read(self, message: StatusRead) -> None:
        """Show a read; what did not change is not touched (an idle refresh stays cheap)."""
        first, status = self.status is None, message.status
        self.status = status
        self.query_one(ServiceTable).show(status.services, self.size.width >= WIDE)
        line, ok = health(status)
        self.show_text("#health", line, ok)
        self.show_text("#queue", queue_text(status), True)
        self.query_one(LogPane).follow(status.log)
        if first:
            self.refresh_bindings()

    def show_text(self, selector: str, text: str, ok: bool) -> None:
        widget = self.query_one(selector, Static)
        if self.texts.get(selector) != text:
            self.texts[selector] = text
            widget.update(vis(text, keep_newlines=True))
        widget.set_class(not ok, "error")

    def on_status_failed(self, message: StatusFailed) -> None:
        self.show_text("#health", f"Cannot read the host: {message.error}", False)

    def on_resize(self) -> None:
        if self.status is not None:
            self.query_one(ServiceTable).show(self.status.services, self.size.width >= WIDE)

    # -- actions --------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("act", "flush", "test_mail"):
            return self.status is not None and not self.busy
        return True

    def begin(self, text: str) -> None:
        self.busy = True
        self.set_result(text, True)
        self.refresh_bindings()

    def set_result(self, text: str, ok: bool) -> None:
        result = self.query_one("#result", Static)
        result.update(vis(text, keep_newlines=True))
        result.set_class(not ok, "error")

    def action_act(self, action: str) -> None:
        name = self.query_one(ServiceTable).selected()
        if name is None or self.status is None:
            return
        question = ask_first(action, self.status.service(name))
        if question is None:
            self.act(name, action)
            return
        self.app.push_screen(
            AskScreen(*question, yes=action), lambda yes: self.act(name, action) if yes else None
        )

    def act(self, name: str, action: str) -> None:
        if self.busy or self.status is None:
            return
        # rc.d refuses start/stop of a service rc.conf does not enable; act uses onestart
        enabled = self.status.service(name).enabled
        self.begin(f"Running /etc/rc.d/{name} {action if enabled else 'one' + action}...")
        self.run_service_action(name, action, enabled)

    def action_flush(self) -> None:
        self.begin("Flushing the queue (/etc/rc.d/qmailsend flush)...")
        self.run_flush()

    def action_test_mail(self) -> None:
        self.begin("Sending a test message to postmaster...")
        self.run_test_mail()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen("Dashboard", HELP))

    def action_wizard(self) -> None:
        """Back to the wizard's first screen, to reconfigure."""
        while len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    @work(thread=True, group="action")
    def run_service_action(self, name: str, action: str, enabled: bool) -> None:
        def run() -> tuple[str, bool]:
            if action in ("stop", "restart"):  # not a crash while it is down
                self.reader.expect(name, running=False)
            result = self.session.act(name, action, enabled)
            if action in ("start", "restart"):
                self.reader.expect(name, running=True)
            return command_text(f"/etc/rc.d/{name} {action if enabled else 'one' + action}", result)

        self.finish(run)

    @work(thread=True, group="action")
    def run_flush(self) -> None:
        self.finish(lambda: command_text("/etc/rc.d/qmailsend flush", self.session.flush()))

    @work(thread=True, group="action")
    def run_test_mail(self) -> None:
        def send() -> tuple[str, bool]:
            delivery = self.session.send_test_message()
            if delivery.ok:
                return (
                    f"✓ Test message to {delivery.recipient} delivered after "
                    f"{delivery.seconds:.1f} s: {delivery.path or delivery.target}",
                    True,
                )
            return (
                f"✗ Test message to {delivery.recipient} not delivered after "
                f"{delivery.seconds:.1f} s: {delivery.detail}",
                False,
            )

        self.finish(send)

    def finish(self, produce) -> None:
        """Worker side: post what ``produce()`` says (or the host error), wake the reader."""
        try:
            text, ok = produce()
        except HostError as exc:
            text, ok = f"Cannot reach the host: {exc}", False
        self.post_message(ActionDone(text, ok))
        self.wake_event.set()

    def on_action_done(self, message: ActionDone) -> None:
        self.busy = False
        self.set_result(message.text, message.ok)
        self.refresh_bindings()
