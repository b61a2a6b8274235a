"""Done: what the final check sees now, the services' state and the run's log."""
from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, LoadingIndicator, Static

from ..backend import journal
from ..backend.checks import final_check, smtp_address
from ..backend.hosts import HostError
from ..backend.model import SERVICES
from ..backend.plan import CONTROL
from ..backend.probe import probe
from ..backend.runlog import log_path
from ..backend.session import Session


class Verified(Message):
    def __init__(self, problems: list[str], log: str) -> None:
        super().__init__()
        self.problems = problems
        self.log = log


class VerifyFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class DoneScreen(Screen):
    CSS_PATH = "done.tcss"
    BINDINGS = [Binding("q", "app.quit", "Quit")]

    def __init__(self, session: Session) -> None:
        super().__init__(name="done")
        self.session = session
        self.problems: list[str] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="body"):
            yield Static("Checking qmail...", classes="screen-title", id="headline")
            yield LoadingIndicator(id="loading")
            with Vertical(id="results"):
                yield Static("", id="checks")
                yield DataTable(id="services", show_cursor=False, zebra_stripes=True)
                yield Static("", id="log", classes="hint")
                yield Static("Press q to quit.", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#services", DataTable).add_columns("Service", "At boot", "Now")
        self.query_one("#results").display = False
        self.verify()

    @work(thread=True, exclusive=True)
    def verify(self) -> None:
        host = self.session.host
        try:
            self.session.state = probe(host)
            problems = final_check(host, self.session.state, self.session.profile)
        except HostError as exc:
            self.post_message(VerifyFailed(str(exc)))
            return
        run_id = journal.last_run(host)
        self.post_message(Verified(problems, log_path(run_id) if run_id else ""))

    def on_verified(self, message: Verified) -> None:
        self.problems = message.problems
        state, services = self.session.state, self.session.profile.services
        self.query_one("#loading").display = False
        headline = self.query_one("#headline", Static)
        checks = self.query_one("#checks", Static)
        if message.problems:
            headline.update("qmail is installed, but the final check found problems")
            checks.update("\n".join(f"✗ {problem}" for problem in message.problems))
            checks.add_class("error")
        else:
            headline.update("qmail is installed and running")
            me = (state.text(f"{CONTROL}/me") or "").split("\n", 1)[0]
            lines = ["✓ qmail-send running"] if services.qmailsend else []
            if services.qmailsmtpd:
                address, port = smtp_address(state)
                lines.append(f"✓ SMTP on {address}:{port} answers with 220 {me}")
            checks.update("\n".join(lines))
        table = self.query_one("#services", DataTable)
        for name in SERVICES:
            table.add_row(name, "enabled" if getattr(services, name) else "off",
                          "running" if state.running(name) else "stopped")
        self.query_one("#log", Static).update(
            f"Log of the run: {message.log}" if message.log else "No apply run was recorded.")
        self.query_one("#results").display = True

    def on_verify_failed(self, message: VerifyFailed) -> None:
        self.query_one("#loading").display = False
        self.query_one("#headline", Static).update("Cannot read the host to check qmail")
        checks = self.query_one("#checks", Static)
        checks.update(f"{message.error}\nCheck the connection and run qmail-wizard again.")
        checks.add_class("error")
        self.query_one("#results").display = True


SCREEN = DoneScreen
