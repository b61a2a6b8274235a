"""Host text in a real terminal (issue 12, point 6): an OSC title sequence and a
clear-screen that a local user put into /var/log/maillog are shown escaped by the
Dashboard in tmux; the terminal's title and screen stay the wizard's."""

from __future__ import annotations

import shutil

import pytest

from tests.e2e.cli import ROOT
from tests.e2e.test_tmux import Terminal, wizard_command
from tests.security import trap

DEFAULT = str(ROOT / "profiles" / "default.yaml")
#: what the local user logs (logger(1) would do; written here as root for the same bytes)
HOSTILE = "Jan  1 12:00:02 mail qmail: 1.3 osc \x1b]0;owned\x07 clear \x1b[2J\x1b[H end\n"
SHOWN = "1.3 osc \\033]0;owned\\007 clear \\033[2J\\033[H end"


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (.ci/run installs it)")
def test_dashboard_in_tmux_shows_escapes_and_keeps_its_screen(make_sandbox, tmp_path):
    box = make_sandbox()
    applied = trap.wizard(box, "apply", DEFAULT, "--yes")  # qmail runs: the Dashboard opens
    assert applied.returncode == 0, applied.stderr[-3000:]
    with open(box.path("/var/log/maillog"), "a", encoding="utf-8") as log:
        log.write(HOSTILE)
    before = trap.snapshot(box)
    terminal = Terminal(tmp_path, wizard_command(box))
    try:
        terminal.tmux("resize-window", "-t", "wizard", "-x", "160", "-y", "40")
        screen = terminal.wait_for(SHOWN, "the escaped log line", deadline=trap.TIME_LIMIT)
        assert "qmail-wizard" in screen.splitlines()[0]  # the header was not cleared
        assert "Services" in screen or "qmailsend" in screen, screen
        title = terminal.tmux("display-message", "-p", "-t", "wizard", "#{pane_title}")
        assert "owned" not in title
        terminal.tmux("send-keys", "-t", "wizard", "C-q")
        terminal.wait_dead("the wizard quitting")
        last = terminal.screen()
        assert "Traceback" not in last
    finally:
        terminal.close()
    allowed = ("/var/qmail/queue", "/var/qmail/supervise")  # qmail's own running state
    assert trap.changed(before, trap.snapshot(box), allowed) == []
