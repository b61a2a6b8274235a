"""Issue 15: on a NetBSD host (the sandbox), a user who is not root is refused by every
command and by the TUI, once, in one line, exit 1, before the host is probed: no
status of "stopped" services, no profile, no "probe cut short"; nothing changes."""

from __future__ import annotations

import shlex
import sys

from tests.e2e.cli import ROOT
from tests.security.trap import as_user, changed, snapshot
from tests.test_refusals import COMMANDS, NOBODY, PROFILE, qmail_wizard, refused

#: the trees a refused command must leave as they were (the journal's among them)
TREES = ("/etc", "/usr/pkg/etc", "/var/qmail", "/var/db", "/var/log")


def as_admin(box, *args: str):
    """qmail-wizard run inside the sandbox by the admin user (uid 1000), --target local."""
    argv = shlex.join([sys.executable, "-m", "tui.cli", "--target", "local", *args])
    return as_user(box, f"cd /tmp && PYTHONPATH={shlex.quote(str(ROOT))} exec {argv}", timeout=60)


def test_a_user_who_is_not_root_is_refused_by_every_command(make_sandbox):
    box = make_sandbox()
    before = snapshot(box, TREES)
    for command in COMMANDS:
        words = " ".join(["qmail-wizard --target local", *command])
        assert refused(as_admin(box, *command)) == (
            f"qmail-wizard: {command[0] if command else 'the wizard'} needs root on this "
            f"host (you are uid 1000); run it again as root (su or sudo): {words}\n"
        ), command
    validated = as_admin(box, "validate", PROFILE)  # needs no root
    assert validated.returncode == 0, validated.stderr
    assert "valid (checked against the built-in option tables)" in validated.stdout
    assert changed(before, snapshot(box, TREES)) == []


def test_nobody_on_the_machine_is_refused_an_existing_sandbox(make_sandbox):
    box = make_sandbox()
    before = snapshot(box, TREES)
    for command in (["status"], ["probe"], ["undo", "--yes"]):
        target = f"sandbox:{box.paths.base}"
        assert refused(qmail_wizard("--target", target, *command, user=NOBODY)) == (
            f"qmail-wizard: --target {target} needs root on this machine (you are uid "
            "65534): a sandbox is a container; run qmail-wizard as root\n"
        )
    assert changed(before, snapshot(box, TREES)) == []
