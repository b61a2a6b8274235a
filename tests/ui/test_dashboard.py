"""Dashboard on a sandbox installed by `apply profiles/default.yaml --yes`: opened at
launch, live state within 2 s of a crash behind the wizard's back, actions that act."""

from __future__ import annotations

import time

import pytest
from textual.widgets import DataTable, Footer, Static

from tests.e2e.cli import installed_sandbox
from tui.backend.hosts import SandboxHost
from tui.backend.session import Session
from tui.backend.status import QueueStatus, ServiceStatus, Status
from tui.screens.dashboard import DashboardScreen, health
from tui.screens.welcome import WelcomeScreen
from tui.widgets.ask import AskScreen
from tui.widgets.help import HelpScreen
from tui.widgets.log_pane import LogPane
from tui.widgets.service_table import ServiceTable
from tui.wizard import WizardApp


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """One sandbox with qmail installed and running, shared by this module's tests."""
    with installed_sandbox(tmp_path_factory.mktemp("dash") / "host") as box:
        yield box


def launch(box) -> WizardApp:
    return WizardApp(Session(SandboxHost(box.paths.base)))


async def until(pilot, predicate, what: str, deadline: float = 20.0) -> float:
    """Let the app run until ``predicate()`` holds; the seconds it took."""
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.02)
    return time.monotonic() - start


async def open_dashboard(pilot) -> DashboardScreen:
    await until(pilot, lambda: isinstance(pilot.app.screen, DashboardScreen), "the dashboard")
    screen = pilot.app.screen
    await until(pilot, lambda: screen.status is not None, "the first status read")
    return screen


def state(screen, name: str) -> str:
    table = screen.query_one(ServiceTable)
    return str(table.get_cell(name, "state"))


def text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_launch_opens_the_dashboard_that_fits_80x24(installed):
    app = launch(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot)
        assert state(screen, "qmailsend") == "running"
        assert state(screen, "qmailsmtpd") == "running"
        assert state(screen, "postfix") == "stopped"
        assert text(screen, "#health") == "All 3 enabled services are running"
        assert text(screen, "#queue").startswith("Queue: 0 messages")
        table = screen.query_one(ServiceTable)
        # qmailsmtpd's own default (no rc.conf knob): every address of the sandbox
        assert str(table.get_cell("qmailsmtpd", "listen")) == "0.0.0.0:25"
        assert "user" not in [c.value for c in table.columns]  # dropped at 80 wide
        assert table.virtual_size.width <= table.size.width  # no clipped column
        await until(pilot, lambda: screen.query_one(LogPane).shown, "the mail log")
        footer = {
            b.key for _, b, enabled, *_ in screen.active_bindings.values() if b.show and enabled
        }
        assert {"s", "t", "r", "l", "f", "m", "w"} <= footer
        assert app.screen.query_one(Footer).size.width == 80

        # the option catalog (make show-options) is not read for the Dashboard alone
        assert not app.probing.shown.is_set() and app.session.catalog is None
        await pilot.press("w")  # the wizard, to reconfigure
        await until(pilot, lambda: isinstance(app.screen, WelcomeScreen), "Welcome")
        welcome = app.screen
        await until(pilot, lambda: app.session.catalog is not None, "the catalog, once back")
        table = welcome.query_one("#host", DataTable)
        built = lambda: str(table.get_cell("Build options", welcome.value_column))  # noqa: E731
        await until(pilot, lambda: built() != "reading...", "the build options row")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"dashboard", "enter")
        await open_dashboard(pilot)

        await pilot.resize_terminal(120, 40)
        await until(
            pilot,
            lambda: "user" in [c.value for c in app.screen.query_one(ServiceTable).columns],
            "the user column at 120 wide",
        )
        assert str(app.screen.query_one(ServiceTable).get_cell("qmailsend", "user")) == "qmails"


async def test_crash_is_shown_within_2s_and_restart_brings_it_back(installed):
    app = launch(installed)
    host = SandboxHost(installed.paths.base)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_dashboard(pilot)
        await until(pilot, lambda: state(screen, "qmailsend") == "running", "qmail-send up")
        pid = next(p.pid for p in host.processes() if p.name == "qmail-send")
        assert installed.exec(["kill", "-KILL", str(pid)]).returncode == 0
        elapsed = await until(
            pilot,
            lambda: state(screen, "qmailsend") == "CRASHED",
            "the crash on screen",
            deadline=5,
        )
        assert elapsed < 2.0, elapsed
        assert "qmailsend CRASHED" in text(screen, "#health")

        assert screen.query_one(ServiceTable).selected() == "qmailsend"
        await pilot.press("r")
        await until(pilot, lambda: not screen.busy, "the restart")
        assert text(screen, "#result").startswith("$ /etc/rc.d/qmailsend restart")
        await until(pilot, lambda: state(screen, "qmailsend") == "running", "qmail-send back")
        assert installed.exec(["/etc/rc.d/qmailsend", "status"]).returncode == 0

        await pilot.press("m")
        await until(pilot, lambda: not screen.busy, "the test message", deadline=30)
        result = text(screen, "#result")
        assert result.startswith("✓ Test message to postmaster delivered after"), result
        assert "/home/admin/Maildir/new/" in result

        await pilot.press("f")
        await until(pilot, lambda: not screen.busy, "the flush")
        assert text(screen, "#result").startswith("$ /etc/rc.d/qmailsend flush")


async def test_stop_and_smtp_restart_ask_first_f1_helps(installed):
    app = launch(installed)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot)
        table = screen.query_one(ServiceTable)
        # one vocabulary: the Enabled column says yes/no, as `qmail-wizard status`
        assert str(table.get_cell("qmailsmtpd", "enabled")) == "yes"
        assert str(table.get_cell("postfix", "enabled")) == "no"

        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        assert "t asks first" in str(app.screen.query_one("#help-text", Static).render())
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, "the dashboard again")

        table.move_cursor(row=table.get_row_index("qmailsmtpd"))
        assert table.selected() == "qmailsmtpd"
        for key, question in (("r", "Restart qmailsmtpd?"), ("t", "Stop qmailsmtpd?")):
            await pilot.press(key)
            await until(pilot, lambda: isinstance(app.screen, AskScreen), f"the question ({key})")
            assert text(app.screen, "#ask-question") == question
            await pilot.press("n")
            await until(pilot, lambda: app.screen is screen, "the dashboard after n")
            assert not screen.busy
        assert installed.exec(["/etc/rc.d/qmailsmtpd", "status"]).returncode == 0

        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, AskScreen), "the question")
        await pilot.press("enter")
        await until(pilot, lambda: state(screen, "qmailsmtpd") == "stopped", "qmailsmtpd down")
        assert installed.exec(["/etc/rc.d/qmailsmtpd", "status"]).returncode != 0
        assert text(screen, "#health").startswith("qmailsmtpd stopped")

        await pilot.press("t")  # a stopped service: nothing to take away, no question
        await pilot.pause()
        assert app.screen is screen
        await until(pilot, lambda: not screen.busy, "the onestop")
        await pilot.press("s")
        await until(pilot, lambda: state(screen, "qmailsmtpd") == "running", "qmailsmtpd up")
        assert installed.exec(["/etc/rc.d/qmailsmtpd", "status"]).returncode == 0


def test_health_line_counts_the_enabled_services():
    def status(*enabled_running):
        services = [
            ServiceStatus(
                f"svc{i}", e, r, "running" if r else "stopped", [], None, 0.0, 0, [], "", ""
            )
            for i, (e, r) in enumerate(enabled_running)
        ]
        return Status(services, QueueStatus(0, 0, None), [])

    assert health(status((True, True))) == ("The one enabled service, svc0, is running", True)
    assert health(status((True, True), (True, True), (False, False)))[0] == (
        "All 2 enabled services are running"
    )
    assert health(status((False, False))) == ("No service is enabled in rc.conf", True)
