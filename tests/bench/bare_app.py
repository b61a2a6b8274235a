"""A bare Textual app with widgets like the Welcome screen's: the start-up baseline.

It shows MARKER once mounted (no host is read), so its start time is Python plus
Textual plus a first paint of similar widgets.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Static

MARKER = "Press Enter to continue with the bare app"


class BareApp(App):
    TITLE = "bare"

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            yield Static("Welcome to the bare app")
            yield Static("Nothing is read from any host.")
            yield DataTable(show_cursor=False, zebra_stripes=True)
            yield Static("", id="hint")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Host", "")
        for row in (
            ("System", "NetBSD 7.1 amd64"),
            ("Host name", "mail.example.org"),
            ("Package tools", "pkg_add, pkgin"),
            ("Mail system", "postfix"),
            ("SMTP", "port 25: master (pid 42)"),
            ("qmail", "not installed"),
        ):
            table.add_row(*row)
        self.query_one("#hint", Static).update(MARKER + ".")


if __name__ == "__main__":
    BareApp().run()
