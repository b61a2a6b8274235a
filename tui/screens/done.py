"""Done: the verification's checks (with the fix for each failure), the services, the log.

The checks are the ones the Apply screen ran as its last step (``session.checks``);
when there are none (Done reached otherwise), a worker runs ``Session.verify``.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from ..backend.hosts import HostError
from ..backend.profile.model import SERVICES
from ..backend.session import Session
from ..backend.verify import Check
from ..backend.vis import vis
from ..messages import Verified, VerifyFailed
from ..widgets.footer import KeyFooter
from ..widgets.spinner import Spinner


def check_row(check: Check) -> Static:
    """✓ title, or ✗ title: detail with the fix under it; styled by its -ok/-failed class
    (``qmail-wizard verify`` prints the details of the passed checks too)."""
    if check.ok:
        return Static(vis(f"✓ {check.title}"), markup=False, classes="check -ok")
    text = f"✗ {check.title}" + (f": {check.detail}" if check.detail else "")
    if check.fix:
        text += f"\n  fix: {check.fix}"
    return Static(vis(text, keep_newlines=True), markup=False, classes="check -failed")


class DoneScreen(Screen):
    CSS_PATH = "done.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "app.open_dashboard", "Dashboard"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__(name="done")
        self.session = session
        self.checks: list[Check] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="body"):
            yield Static("Checking qmail...", classes="screen-title", id="headline")
            yield Spinner(id="loading")
            with Vertical(id="results"):
                yield Static("Press q to quit, d for the live dashboard.", classes="hint")
                yield Vertical(id="checks")
                yield DataTable(id="services", show_cursor=False, zebra_stripes=True)
                yield Static("", id="log", classes="hint", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        labels = (Text("Service"), Text("At boot"), Text("Now"))  # plain: no markup parse
        self.query_one("#services", DataTable).add_columns(*labels)
        self.query_one("#results").display = False
        self.verify(self.session.checks or None)

    @work(thread=True, exclusive=True)
    def verify(self, checks: list[Check] | None) -> None:
        """Worker: the checks (run now if None) and the services as they are now."""
        try:
            if checks is None:
                checks = self.session.verify()
            else:
                self.session.refresh()
        except HostError as exc:
            self.post_message(VerifyFailed(str(exc)))
            return
        self.post_message(Verified(checks, self.session.last_log()))

    def on_verified(self, message: Verified) -> None:
        self.checks = message.checks
        state, services = self.session.probed, self.session.edited.services
        failed = [check for check in message.checks if not check.ok]
        self.query_one("#loading", Spinner).spin(False)
        self.query_one("#headline", Static).update(
            f"qmail is installed, but {len(failed)} of {len(message.checks)} checks failed"
            if failed
            else f"qmail is installed and running: all {len(message.checks)} checks pass"
        )
        self.query_one("#checks").mount_all(check_row(check) for check in message.checks)
        table = self.query_one("#services", DataTable)
        for name in SERVICES:
            table.add_row(
                name,
                "enabled" if getattr(services, name) else "off",
                "running" if state.running(name) else "stopped",
            )
        self.query_one("#log", Static).update(
            f"Log of the run: {message.log}" if message.log else "No apply run was recorded."
        )
        self.query_one("#results").display = True

    def on_verify_failed(self, message: VerifyFailed) -> None:
        self.query_one("#loading", Spinner).spin(False)
        self.query_one("#headline", Static).update("Cannot read the host to check qmail")
        self.query_one("#checks").mount(
            Static(
                f"{vis(message.error)}\nCheck the connection and run qmail-wizard again.",
                markup=False,
                classes="check -failed",
            )
        )
        self.query_one("#results").display = True
