"""Issue 15: headless apply's output a person reads, and Ctrl+C / Ctrl+D handled.

A default install prints at most 60 lines, none wider than 100 columns (stdout and
stderr, on a terminal and in a pipe); the run log keeps the commands' output.
Ctrl+C or Ctrl+D at the prompt change nothing; Ctrl+C (a real SIGINT from the
terminal) mid-apply stops cleanly, says how to resume, and `--resume` finishes.
"""

from __future__ import annotations

import io
import json
import re
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

import pexpect
import pytest

from tests.conftest import FAST
from tests.e2e.cli import COMMAND, ROOT, run, wizard
from tui.sandbox.handle import Sandbox

DEFAULT = "profiles/default.yaml"  # relative, as a user types it (cwd is ROOT)
MAX_LINES, MAX_WIDTH = 60, 100


@pytest.fixture
def short_sandbox():
    """Factory: a fresh sandbox at a short path, as README's /tmp/rehearsal (the
    commands apply prints to copy name it, whole)."""
    made: list[Sandbox] = []
    top = Path(tempfile.mkdtemp(prefix="qw-"))
    yield lambda name: made.append(Sandbox.create(top / name, pace=FAST)) or made[-1]
    for box in made:
        box.kill()
    shutil.rmtree(top, ignore_errors=True)


def spawn(box, *args: str) -> tuple[pexpect.spawn, io.StringIO]:
    """qmail-wizard on a terminal of 24x80 (a pty), everything it prints recorded."""
    child = pexpect.spawn(
        sys.executable,
        ["-m", "tui.cli", "--target", f"sandbox:{box.paths.base}", *args],
        cwd=str(ROOT),
        encoding="utf-8",
        timeout=300,
        dimensions=(24, 80),
    )
    child.logfile_read = seen = io.StringIO()
    return child, seen


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    assert child.signalstatus is None, child.signalstatus
    return child.exitstatus


def screen_lines(raw: str) -> list[str]:
    """The lines left on the terminal: a live line rewritten with \\r counts as what
    it was last rewritten to."""
    lines = [re.sub(r"\x1b\[K", "", line.rstrip("\r")).split("\r")[-1] for line in raw.split("\n")]
    return lines[:-1] if lines and not lines[-1] else lines


def assert_short(lines: list[str], what: str) -> None:
    wide = [line for line in lines if len(line) > MAX_WIDTH]
    assert len(lines) <= MAX_LINES and not wide, f"{what}: {len(lines)} lines, wide: {wide}"


def test_a_default_install_is_short_on_a_terminal_and_in_a_pipe(short_sandbox):
    terminal, piped = short_sandbox("tty"), short_sandbox("pipe")
    child, seen = spawn(terminal, "apply", DEFAULT)
    child.expect_exact("Apply these changes? [y/N] ")
    child.sendline("y")
    assert finish(child) == 0, seen.getvalue()[-3000:]
    shown = screen_lines(seen.getvalue())
    assert_short(shown, "on a terminal")
    text = "\n".join(shown)
    assert "  mta-switch  " in text and "stops postfix" in text  # the plan's table
    assert "+++ b/etc/mailer.conf" not in text and "Fetching" not in text
    assert "plan profiles/default.yaml" in text  # where the diffs are
    assert re.search(r"^\[3/12\] packages +changed +\d+\.\d s", text, re.M)

    applied = wizard(piped, "apply", DEFAULT, "--yes")
    assert applied.returncode == 0, applied.stderr[-3000:]
    lines = applied.stdout.splitlines() + applied.stderr.splitlines()
    assert_short(lines, "in a pipe")
    assert "\r" not in applied.stderr and "Fetching" not in applied.stderr
    assert applied.stdout.count("Applied ") == 1 and "all 15 checks pass" in applied.stdout
    run_id = re.search(r"\(run (\S+)\)", applied.stdout)[1]
    log = piped.read(f"/var/log/qmail-wizard/{run_id}.log")
    assert "Fetching /pub/pkgsrc/packages/" in log and "bin/multilog" in log
    assert "PASS delivery: " in log

    again = wizard(piped, "apply", DEFAULT, "--yes", "-v")  # -v: commands and output
    assert again.returncode == 0 and "PASS  delivery" not in again.stdout  # nothing sent
    assert "[12/12] verify: qmail-wizard verify | PASS qmail-send: " in again.stderr


def test_ctrl_c_and_ctrl_d_at_the_prompt_change_nothing(make_sandbox):
    box = make_sandbox()
    for key, status in (("c", 130), ("d", 1)):
        child, seen = spawn(box, "apply", DEFAULT)
        child.expect_exact("[y/N] ")
        child.sendcontrol(key)
        assert finish(child) == status, seen.getvalue()
        tail = seen.getvalue().rsplit("[y/N] ", 1)[1]
        assert "Traceback" not in seen.getvalue()
        assert len(screen_lines(tail.strip("\r\n^CD"))) == 1 and "othing changed" in tail, tail
    assert not box.path("/var/db/qmail-wizard/last-run").exists()
    assert wizard(box, "plan", DEFAULT).returncode == 2


def test_ctrl_c_mid_apply_stops_cleanly_then_resume_finishes(make_sandbox):
    box = make_sandbox()
    child, seen = spawn(box, "apply", DEFAULT, "--yes")
    child.expect("Fetching")  # the live line, during pkg_add
    child.sendintr()  # the terminal's Ctrl+C: SIGINT to the foreground process group
    assert finish(child) == 130, seen.getvalue()[-3000:]
    output = "\n".join(screen_lines(seen.getvalue()))
    assert "Traceback" not in output
    assert "Interrupted: apply stopped in step " in output and "Nothing is half-written" in output
    assert "Steps done: preflight, mkconf, packages" in " ".join(output.split())
    resume = re.search(r"^To finish:\n  (.+)$", output, re.M)[1]
    target = f"--target sandbox:{box.paths.base}"
    assert resume == f"qmail-wizard {target} apply {DEFAULT} --resume"
    run_id = box.read("/var/db/qmail-wizard/last-run").strip()
    record = json.loads(box.read(f"/var/db/qmail-wizard/journal/{run_id}.json"))
    assert record["status"] == "failed" and record["steps"]["packages"]
    assert box.exec(["pkg_info", "-e", "qmail-run"]).returncode == 0  # it finished whole

    resumed = run([*COMMAND, *shlex.split(resume)[1:]])
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"(run {run_id})" in resumed.stdout
    assert re.search(r"^\[3/12\] packages +unchanged", resumed.stderr, re.M)
    checked = wizard(box, "verify")
    assert checked.returncode == 0, checked.stdout


def test_a_second_ctrl_c_cuts_the_running_command_short(make_sandbox):
    box = make_sandbox()
    child, seen = spawn(box, "apply", DEFAULT, "--yes")
    child.expect("Fetching")
    child.sendintr()
    child.expect_exact("Ctrl+C again stops")
    child.sendintr()
    assert finish(child) == 130, seen.getvalue()[-3000:]
    output = " ".join("\n".join(screen_lines(seen.getvalue())).split())
    assert "Traceback" not in output
    assert "apply stopped in step 'packages', `env PKG_RCD_SCRIPTS=YES pkg_add" in output
    assert "was cut short (--resume runs it again)" in output
    resumed = wizard(box, "apply", DEFAULT, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert wizard(box, "verify").returncode == 0
