"""Host text is data: markup and escape sequences anyone can put into the mail log are
shown literally, by the Dashboard (Pilot) and by headless `status`."""

from __future__ import annotations

import time

from tests.e2e.cli import wizard
from tui.backend.hosts import SandboxHost
from tui.backend.session import Session
from tui.messages import ActionDone
from tui.screens.dashboard import DashboardScreen
from tui.widgets.log_pane import LogPane
from tui.wizard import WizardApp

#: lines a local user can get into /var/log/maillog (logger(1), a crafted address ...)
HOSTILE = (
    "Jan  1 12:00:00 mail qmail: 1.1 click [@click=app.quit]here[/@click]\n"
    "Jan  1 12:00:01 mail qmail: 1.2 close [/] tag\n"
    "Jan  1 12:00:02 mail qmail: 1.3 osc \x1b]0;owned\x07 clear \x1b[2J\x1b[H end\n"
)
SHOWN = (
    "1.1 click [@click=app.quit]here[/@click]",
    "1.2 close [/] tag",
    "1.3 osc \\033]0;owned\\007 clear \\033[2J\\033[H end",
)


def plant(box) -> None:
    with open(box.paths.host_path("/var/log/maillog"), "a", encoding="utf-8") as log:
        log.write(HOSTILE)


async def until(pilot, predicate, what: str, deadline: float = 20.0) -> None:
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.02)


def rendered(pane: LogPane) -> tuple[str, list]:
    """The pane's text as drawn, and the styles of its segments."""
    segments = [seg for strip in pane.lines for seg in strip]
    return "".join(seg.text for seg in segments), [seg.style for seg in segments]


async def test_dashboard_shows_markup_and_escapes_literally(make_sandbox):
    box = make_sandbox()
    plant(box)
    app = WizardApp(Session(SandboxHost(box.paths.base)))
    async with app.run_test(size=(160, 40)) as pilot:
        await app.push_screen(DashboardScreen(app.session))
        screen = app.screen
        pane = screen.query_one(LogPane)
        await until(pilot, lambda: any("1.3 osc" in line for line in pane.shown), "the log")
        await pilot.pause()
        text, styles = rendered(pane)
        for line in SHOWN:
            assert line in text
        assert "\x1b" not in text and "\x07" not in text
        assert not [s for s in styles if s is not None and (s.meta or s.link)]  # no link

        screen.post_message(ActionDone("✗ delivered to [@click=app.quit]x[/] \x1b[2J", False))
        await pilot.pause()
        result = str(screen.query_one("#result").render())
        assert result == "✗ delivered to [@click=app.quit]x[/] \\033[2J"
        await pilot.click("#result")  # a link would quit the app here
        await pilot.pause()
        assert app.is_running and app.screen is screen


def test_headless_status_escapes_the_log(make_sandbox):
    box = make_sandbox()
    plant(box)
    done = wizard(box, "status", timeout=60)
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    for line in SHOWN:
        assert line in done.stdout
    as_json = wizard(box, "status", "--format", "json", timeout=60)
    assert "\x1b" not in as_json.stdout and "\\u001b]0;owned\\u0007" in as_json.stdout
