"""Welcome: what this host is and has, read by a probe in a worker thread.

The screen takes keys once the probe's first stage (the host) is in; the installed
qmail's build options row fills in with the second (the option catalog)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from ..backend.hosts import HostError
from ..backend.hostsummary import HostSummary
from ..backend.session import Session
from ..backend.vis import vis
from ..messages import Advance, CatalogFailed, CatalogRead, Probed, ProbeFailed
from ..widgets.footer import KeyFooter
from ..widgets.spinner import Spinner

if TYPE_CHECKING:
    from ..wizard import WizardApp

#: the spinner shows only when the host takes longer than this to read (a paint at
#: 16 Hz while the probe's answer is moments away only delays it)
SPINNER_AFTER_S = 0.3
#: the row that needs the option catalog (the probe's second stage)
OPTIONS_ROW = "Build options"


def rows(summary: HostSummary) -> list[tuple[str, str]]:
    """The host table: what the host is, then what is installed (when qmail is)."""
    common = [
        ("System", summary.release),
        ("Host name", summary.hostname),
        ("Package tools", ", ".join(summary.pkg_tools)),
        ("Binary qmail", summary.repository),
        ("Mail system", summary.mta),
    ]
    if summary.fresh:
        return common + [("SMTP", summary.port_holder), ("qmail", "not installed")]
    return common + [
        ("SMTP", summary.port_names),
        ("qmail", summary.qmail),
        ("qmail-run", summary.qmail_run),
        (OPTIONS_ROW, "reading..."),
        ("Accounts", summary.accounts),
        ("Running", summary.running),
    ]


class WelcomeScreen(Screen):
    """The App's default screen (``WizardApp.get_default_screen``); its styles,
    welcome.tcss, are in the App's CSS_PATH."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "next", "Next", priority=True)]

    def __init__(self, session: Session) -> None:
        super().__init__(name="welcome")
        self.session = session
        self.summary: HostSummary | None = None
        #: the probe's first stage is not in yet (nor failed)
        self.reading = True
        #: the probe's second stage was started from here (read_catalog)
        self.catalog_asked = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="body"):
            yield Static("Welcome to qmail-wizard", classes="screen-title")
            yield Static("Reading the host...", id="intro", classes="hint")
            yield Spinner(id="loading")
            yield DataTable(id="host", show_cursor=False, zebra_stripes=True)
            yield Static("", id="next-hint", classes="hint")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#host", DataTable)
        # Text labels: a str label is parsed as markup (and loads rich's emoji table)
        self.value_column = table.add_columns(Text("Host"), Text(""))[1]
        table.display = False
        self.query_one("#loading", Spinner).spin(False)
        self.set_timer(SPINNER_AFTER_S, self._still_reading)
        probing = cast("WizardApp", self.app).probing
        if probing.summary.done() and probing.unfinished.done():
            self.probe_host_read()  # read while Textual loaded: shown in the first paint
        else:
            self.probe_host()

    def _still_reading(self) -> None:
        if self.reading:
            self.query_one("#loading", Spinner).spin(True)

    @work(thread=True, exclusive=True)
    def probe_host(self) -> None:
        """Wait for the probe's first stage, which the App started with it
        (``WizardApp.probing``): the host and its unfinished run."""
        self.probe_host_read()

    def probe_host_read(self) -> None:
        probing = cast("WizardApp", self.app).probing
        try:
            self.post_message(Probed(probing.summary.result(), probing.unfinished.result()))
        except HostError as exc:
            self.post_message(ProbeFailed(str(exc)))

    def read_catalog(self) -> None:
        """Start the probe's second stage (``make show-options``: about a second of
        bmake's CPU) once the host is on this screen: not during its first paint, and
        not while the Dashboard the App opened for a running qmail is all that shows
        (it starts when the admin comes back here)."""
        if self.catalog_asked or self.summary is None or self.app.screen is not self:
            return
        self.catalog_asked = True
        self.wait_for_catalog()

    @work(thread=True, group="catalog")
    def wait_for_catalog(self) -> None:
        """The build options row, once the second stage is in (or why it is not)."""
        try:
            cast("WizardApp", self.app).probing.wait_for_catalog()
            self.post_message(CatalogRead())
        except HostError as exc:
            self.post_message(CatalogFailed(str(exc)))

    def on_screen_resume(self) -> None:
        self.read_catalog()

    def on_probed(self, message: Probed) -> None:
        summary = self.summary = message.summary
        if not cast("WizardApp", self.app).dashboard_first(message):
            self.call_after_refresh(self.read_catalog)
        self.reading = False
        self.query_one("#loading", Spinner).spin(False)
        table = self.query_one("#host", DataTable)
        for label, value in rows(summary):
            table.add_row(Text(label), Text(vis(value)), key=label)
        table.styles.height = table.row_count + 1  # now, not after the table measures itself
        table.display = True
        self.query_one("#intro", Static).update(
            "This host has no qmail yet: the wizard will install it from pkgsrc, "
            "replace the base MTA and check that mail flows."
            if summary.fresh
            else "qmail is installed. Every screen starts from what is set now (a focused "
            "field says which file it was read from); Review shows only what you change."
        )
        self.query_one("#next-hint", Static).update(
            "Press Enter to choose the build options."
            if summary.fresh
            else "Press Enter to reconfigure, starting with the build options."
        )

    def on_catalog_read(self, message: CatalogRead) -> None:
        message.stop()
        self._options_row(self.session.built_options())

    def on_catalog_failed(self, message: CatalogFailed) -> None:
        message.stop()
        self._options_row(f"not read: {message.error}")

    def _options_row(self, text: str) -> None:
        if self.summary is not None and not self.summary.fresh:
            table = self.query_one("#host", DataTable)
            table.update_cell(OPTIONS_ROW, self.value_column, Text(vis(text)))

    def on_probe_failed(self, message: ProbeFailed) -> None:
        self.reading = False
        self.query_one("#loading", Spinner).spin(False)
        self.query_one("#intro", Static).update(
            Content.assemble(
                ("Cannot read the host:", "bold"),
                f" {vis(message.error)}\n"
                "Check that you run as root on the NetBSD host (or give --target), then "
                "restart qmail-wizard.",
            )
        )

    def action_next(self) -> None:
        if self.summary is None:
            self.notify("Still reading the host...", severity="warning")
            return
        self.post_message(Advance(type(self)))
