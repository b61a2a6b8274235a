"""The wizard in a real terminal (tmux, 80x24) on a fresh sandbox: Enter on every screen
and y at the confirmation end on Done with qmail-send and qmail-smtpd running."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: What each screen shows once it can take its key, and that key (9 presses in all).
WALK = [
    ("welcome", "Press Enter to choose the build options", "Enter"),
    ("options", "PKG_OPTIONS.qmail", "Enter"),
    ("accounts", "QMAIL_NOFILES_GROUP", "Enter"),
    ("mail", "Relay networks", "Enter"),
    ("features", "Size limit", "Enter"),
    ("services", "replace postfix", "Enter"),
    ("review", "Nothing has changed yet", "Enter"),
    ("confirm", "Press y to apply", "y"),
    ("apply", "Press Enter for the results", "Enter"),
]
DONE = "qmail is installed and running"


def wizard_command(box) -> str:
    script = Path(sys.executable).with_name("qmail-wizard")
    argv = [str(script)] if script.exists() else [sys.executable, "-m", "tui.cli"]
    return shlex.join(argv + ["--target", f"sandbox:{box.paths.base}"])


class Terminal:
    """One tmux server of our own (its socket in tmp_path), one 80x24 window."""

    def __init__(self, tmp_path: Path, command: str):
        self.socket = str(tmp_path / "tmux.sock")
        conf = tmp_path / "tmux.conf"
        conf.write_text("set -g remain-on-exit on\n")  # a crash leaves its last screen
        self.tmux(
            "-f",
            str(conf),
            "new-session",
            "-d",
            "-s",
            "wizard",
            "-x",
            "80",
            "-y",
            "24",
            "-c",
            str(ROOT),
            command,
        )

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-S", self.socket, *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "wizard")

    def wait_for(self, text: str, what: str, deadline: float = 300) -> str:
        limit = time.monotonic() + deadline
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > limit:
                pytest.fail(
                    f"no {what} after {deadline:.0f} s ({text!r} not shown); "
                    f"the terminal shows:\n{screen}"
                )
            time.sleep(0.2)  # poll interval of a real terminal; no event to wait on

    def wait_dead(self, what: str, deadline: float = 30) -> None:
        """Wait until the pane's process has exited (tmux's pane_dead flag; its
        "Pane is dead" banner needs tmux to reap the process, which can lag)."""
        limit = time.monotonic() + deadline
        while self.tmux("display-message", "-p", "-t", "wizard", "#{pane_dead}").strip() != "1":
            if time.monotonic() > limit:
                pytest.fail(
                    f"no {what} after {deadline:.0f} s; the terminal shows:\n{self.screen()}"
                )
            time.sleep(0.2)  # poll interval of a real terminal; no event to wait on

    def close(self) -> None:
        subprocess.run(
            ["tmux", "-S", self.socket, "kill-server"], check=False, capture_output=True, timeout=30
        )


def walk_to_done(terminal: Terminal) -> str:
    """Type each screen's key once it shows it is ready; the Done screen's text."""
    for screen, marker, key in WALK:
        terminal.wait_for(marker, f"{screen} screen")
        terminal.tmux("send-keys", "-t", "wizard", key)  # the only keys typed
    terminal.wait_for(DONE, "Done screen")
    return terminal.wait_for("Press q to quit", "Done screen's hint")


def service_rows(screen: str) -> dict[str, list[str]]:
    """The Done screen's services table: name -> [at boot, now]."""
    return {
        line.split()[0]: line.split()[1:]
        for line in screen.splitlines()
        if line.split() and line.split()[0].startswith("qmail") and len(line.split()) == 3
    }


def running(box, service: str) -> bool:
    return box.exec([f"/etc/rc.d/{service}", "status"]).returncode == 0


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (.ci/run installs it)")
def test_enter_through_every_screen_to_done(make_sandbox, tmp_path):
    box = make_sandbox()
    terminal = Terminal(tmp_path, wizard_command(box))
    try:
        final = walk_to_done(terminal)
        host_runs = {name: running(box, name) for name in ("qmailsend", "qmailsmtpd")}
        terminal.tmux("send-keys", "-t", "wizard", "q")
        terminal.wait_dead("the wizard quitting")
    finally:
        terminal.close()  # the terminal goes away: its session gets SIGHUP
    after_quit = {name: running(box, name) for name in ("qmailsend", "qmailsmtpd")}
    assert after_quit == {"qmailsend": True, "qmailsmtpd": True}, "quitting stopped qmail"
    assert "✓ qmail-send running" in final, final
    assert re.search(r"✓ qmailsmtpd listening on \S+:25\b", final), final
    assert "✓ SMTP greeting names control/me" in final, final
    rows = service_rows(final)
    assert rows["qmailsend"] == ["enabled", "running"], final
    assert rows["qmailsmtpd"] == ["enabled", "running"], final
    assert host_runs == {"qmailsend": True, "qmailsmtpd": True}
