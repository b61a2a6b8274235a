"""Issue 15: a host qmail-wizard cannot act on is refused by every command, once, in one
line on stderr, exit 1, before anything is read or changed (no sandbox is booted here:
the refusals come first).

- --target local on this Linux machine: "this host is Linux, not NetBSD".
- a user who is not root, with --target sandbox:PATH: sandboxes need root here.
- --target sandbox:PATH naming a regular file.
validate needs no root: it falls back to the built-in option tables and says why.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.cli import COMMAND, ROOT, run
from tui import cli

PROFILE = str(ROOT / "profiles" / "default.yaml")
#: every command that acts on a host ([] is the TUI)
COMMANDS = [
    ["probe"],
    ["plan", PROFILE],
    ["apply", PROFILE, "--yes"],
    ["status"],
    ["verify"],
    ["undo", "--yes"],
    [],
]
LINUX = "qmail-wizard: this host is Linux, not NetBSD; rehearse with --target sandbox:PATH\n"
#: as uid/gid 65534 (nobody).  This machine's interpreter lives under /root (mode 0700):
#: CAP_DAC_READ_SEARCH lets nobody read it, and nothing more (it writes only what it
#: owns, like any user who is not root).
NOBODY = [
    "setpriv",
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
    "--inh-caps=+dac_read_search",
    "--ambient-caps=+dac_read_search",
]


def qmail_wizard(*args: str, user: list[str] | None = None) -> subprocess.CompletedProcess:
    return run([*(user or []), *COMMAND, *args], timeout=60)


def refused(done: subprocess.CompletedProcess) -> str:
    """The one stderr line of a refusal (exit 1, nothing on stdout)."""
    assert (done.returncode, done.stdout) == (1, ""), done.stderr[-2000:]
    assert done.stderr.startswith("qmail-wizard: ") and done.stderr.count("\n") == 1
    return done.stderr


needs_root_machine = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="drops to nobody with setpriv: needs root and util-linux",
)


@pytest.mark.skipif(platform.system() == "NetBSD", reason="a machine that is not NetBSD")
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0] if c else "tui")
def test_local_on_linux_is_refused_and_nothing_changes(command):
    db = Path("/var/db")
    before = db.exists()
    assert refused(qmail_wizard("--target", "local", *command)) == LINUX
    assert db.exists() == before  # the journal's directory was not made


@pytest.mark.skipif(platform.system() == "NetBSD", reason="a machine that is not NetBSD")
def test_validate_on_linux_uses_the_built_in_tables():
    done = qmail_wizard("--target", "local", "validate", PROFILE)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{PROFILE}: valid (checked against the built-in option tables).\n"


@needs_root_machine
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0] if c else "tui")
def test_sandbox_as_nobody_is_refused_before_the_path_is_touched(tmp_path, command):
    os.chmod(tmp_path, 0o777)  # nobody may write here: the refusal, not the mode, stops it
    target = tmp_path / "new"
    message = refused(qmail_wizard("--target", f"sandbox:{target}", *command, user=NOBODY))
    assert message == (
        f"qmail-wizard: --target sandbox:{target} needs root on this machine (you are uid "
        "65534): a sandbox is a container; run qmail-wizard as root\n"
    )
    assert not target.exists()


@needs_root_machine
def test_validate_as_nobody_checks_the_built_in_tables_and_says_why(tmp_path):
    target = tmp_path / "new"
    done = qmail_wizard("--target", f"sandbox:{target}", "validate", PROFILE, user=NOBODY)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "note: not root (uid 65534): the sandbox was not read\n"
    assert done.stdout == f"{PROFILE}: valid (checked against the built-in option tables).\n"
    assert not target.exists()


@pytest.mark.parametrize("command", [["status"], ["probe"], []], ids=["status", "probe", "tui"])
def test_sandbox_path_that_is_a_file_is_one_line(tmp_path, command):
    path = tmp_path / "notes.txt"
    path.write_text("mine\n")
    message = refused(qmail_wizard("--target", f"sandbox:{path}", *command))
    assert message == (
        f"qmail-wizard: --target sandbox:{path}: that is a file, not a sandbox directory; "
        "give a new path or a sandbox's directory, e.g. sandbox:/tmp/rehearsal\n"
    )
    assert path.read_text() == "mine\n"


def test_sandbox_without_a_path_is_one_line():
    message = refused(qmail_wizard("--target", "sandbox:", "status"))
    assert message == (
        "qmail-wizard: --target sandbox:PATH needs a path, e.g. sandbox:/tmp/rehearsal\n"
    )


def test_help_names_the_three_targets_that_work():
    done = qmail_wizard("--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "local (this machine, the default; NetBSD, as root)" in text
    assert "sandbox:PATH (a simulated NetBSD host" in text
    assert "ssh://[user@]host[:port] (a NetBSD host over OpenSSH" in text


def test_ctrl_c_outside_a_command_s_own_handling_is_one_line(monkeypatch, capsys):
    from tui.commands import headless

    def interrupted(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(headless, "cmd_validate", interrupted)  # Ctrl+C while it runs
    assert cli.main(["validate", PROFILE]) == 130
    assert capsys.readouterr().err == "qmail-wizard: interrupted (Ctrl+C).\n"


def test_sandbox_path_that_cannot_be_made_is_one_line():
    message = refused(qmail_wizard("--target", "sandbox:/proc/qmail-wizard-box", "status"))
    assert message == (
        "qmail-wizard: --target sandbox:/proc/qmail-wizard-box: cannot create a sandbox "
        "there: No such file or directory; give another path, e.g. sandbox:/tmp/rehearsal\n"
    )
