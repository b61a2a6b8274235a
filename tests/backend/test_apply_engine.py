"""The apply engine against fresh sandboxes, driven by hand-made plans.

The planners here are small and idempotent like the real one: they look at the
host and only plan what differs, so a second apply must run nothing.
"""

from __future__ import annotations

import io
import json
import os
import re
import socket
import stat
import subprocess
import sys
import threading

import psutil
import pytest

from tests.polling import wait_for
from tui.backend import journal
from tui.backend.apply import (
    ApplyError,
    Failed,
    Finished,
    LockHeld,
    OutputLine,
    Prompt,
    StepFinished,
    StepStarted,
    apply,
    undo,
)
from tui.backend.hosts import SandboxHost
from tui.backend.lock import HOLDER, LOCK_DIR, Lock
from tui.backend.steps import STEP_IDS, Plan, RunCommand, Step, WriteFile
from tui.commands.progress import StepLines

ROOT = ("root", "wheel")


@pytest.fixture
def host(make_sandbox):
    return SandboxHost(make_sandbox().paths.base)


class Planner:
    """replan(): per step, write the files whose content differs and run the commands
    whose guard file is missing (each command creates its guard)."""

    def __init__(self, host, files=None, commands=None):
        self.host = host
        self.files = files or {}  # step id -> [(path, content, mode, owner)]
        self.commands = commands or {}  # step id -> [(guard path or None, RunCommand)]
        self.calls = 0

    def __call__(self) -> Plan:
        self.calls += 1
        steps = []
        for step_id in STEP_IDS:
            actions = []
            for path, content, mode, owner in self.files.get(step_id, []):
                old = self.host.read_text(path) if self.host.exists(path) else None
                if old != content:
                    actions.append(WriteFile(path, old, content, mode, owner))
            for guard, command in self.commands.get(step_id, []):
                if guard is None or not self.host.exists(guard):
                    actions.append(command)
            steps.append(Step(step_id, f"the {step_id} step", actions))
        return Plan(steps)


def mode_of(host, path):
    return stat.S_IMODE(host.stat(path).mode)


def sh(script, **kw):
    return RunCommand(("sh", "-c", script), **kw)


def test_backups_manifest_log_journal_then_second_run_runs_nothing(host):
    original = host.read("/etc/rc.conf")
    motd = host.read("/etc/motd") if host.exists("/etc/motd") else None
    planner = Planner(
        host,
        files={
            "control": [
                ("/etc/rc.conf", original.decode() + "qmailsend=YES\n", 0o644, ROOT),
                ("/etc/qw-new.conf", "new\n", 0o640, ROOT),
            ],
        },
        commands={
            "aliases": [
                (
                    "/etc/qw-done",
                    sh(
                        "echo hi >> /etc/motd; touch /etc/qw-done; echo made it",
                        touches=("/etc/motd", "/etc/qw-done"),
                    ),
                )
            ],
        },
    )
    result = apply(host, planner)
    assert result.ok and result.failure is None and not result.resumed
    assert re.fullmatch(r"\d{8}T\d{6}Z(-\d+)?", result.run_id)
    assert result.changed == ["control", "aliases"]
    assert planner.calls == 3  # at the start, after control, after aliases

    run_dir = f"/var/backups/qmail-wizard/{result.run_id}"
    assert host.read(f"{run_dir}/etc/rc.conf") == original
    assert mode_of(host, f"{run_dir}/etc/rc.conf") == 0o600
    for d in ("/var/backups/qmail-wizard", run_dir, f"{run_dir}/etc"):
        assert mode_of(host, d) == 0o700, d
    manifest = json.loads(host.read_text(f"{run_dir}/MANIFEST"))
    assert manifest["/etc/rc.conf"] == {
        "existed": True,
        "mode": 0o644,
        "owner": ["root", "wheel"],
        "ids": [0, 0],
    }
    assert manifest["/etc/qw-new.conf"] == {"existed": False}
    assert manifest["/etc/qw-done"] == {"existed": False}
    assert manifest["/etc/motd"]["existed"] is (motd is not None)
    assert mode_of(host, f"{run_dir}/MANIFEST") == 0o600
    assert mode_of(host, "/etc/qw-new.conf") == 0o640
    assert host.stat("/etc/qw-new.conf").owner == "root"

    log = f"/var/log/qmail-wizard/{result.run_id}.log"
    assert result.log == log
    assert mode_of(host, log) == 0o600 and mode_of(host, "/var/log/qmail-wizard") == 0o700
    text = host.read_text(log)
    assert "[control] edit /etc/rc.conf (mode 0644, owner root:wheel)" in text
    assert "+qmailsend=YES" in text and "[control] create /etc/qw-new.conf" in text
    assert "[aliases] $ sh -c 'echo hi >> /etc/motd; touch /etc/qw-done; echo made it'" in text
    assert "    | made it\n" in text
    assert re.search(r"\[aliases\] exit 0 after \d+\.\d\d s", text)
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ run ", text)

    record = json.loads(host.read_text(f"/var/db/qmail-wizard/journal/{result.run_id}.json"))
    assert (record["run_id"], record["status"], record["failure"]) == (result.run_id, "done", None)
    assert list(record["steps"]) == list(STEP_IDS)
    assert [s for s, info in record["steps"].items() if info["changed"]] == ["control", "aliases"]
    assert host.read_text("/var/db/qmail-wizard/last-run") == result.run_id + "\n"
    assert not host.exists(LOCK_DIR)

    planner.calls = 0
    again = apply(host, planner)
    assert again.ok and again.changed == [] and again.run_id != result.run_id
    assert planner.calls == 1
    second_log = host.read_text(f"/var/log/qmail-wizard/{again.run_id}.log")
    assert " $ " not in second_log and "edit " not in second_log
    assert second_log.count("] unchanged") == len(STEP_IDS)
    assert not host.exists(f"/var/backups/qmail-wizard/{again.run_id}")


def test_failure_stops_the_run_then_resume_continues_it_and_undo_restores(host):
    host.write("/etc/qw-a", "original a\n", mode=0o600, owner=("admin", "users"))
    broken = sh("echo checking; echo boom >&2; exit 3", touches=("/etc/qw-b",))
    planner = Planner(
        host,
        files={
            "control": [("/etc/qw-a", "a from run\n", 0o644, ROOT)],
            "maildirs": [("/etc/qw-c", "c\n", 0o644, ROOT)],
        },
        commands={"aliases": [(None, broken)]},
    )
    events = []
    result = apply(host, planner, progress=events.append)
    failure = result.failure
    assert not result.ok and result.changed == ["control"]
    assert (failure.step, failure.command, failure.status) == ("aliases", broken.describe(), 3)
    assert failure.log == f"/var/log/qmail-wizard/{result.run_id}.log"
    assert failure.last_output == "boom"
    message = failure.message
    for part in (
        "step 'aliases'",
        broken.describe(),
        "exited with status 3",
        failure.log,
        "Fix the cause, then run: qmail-wizard apply PROFILE --resume",
    ):
        assert part in message
    assert "apply x.yaml --resume" in failure.render("x.yaml")
    assert events[-1] == Failed(failure)
    assert not host.exists("/etc/qw-c")  # nothing after it ran
    assert "maildirs" not in [e.step_id for e in events if isinstance(e, StepStarted)]
    record = journal.Journal.load(host, result.run_id)
    assert record.status == "failed" and list(record.steps) == [
        "preflight",
        "mkconf",
        "packages",
        "users",
        "control",
    ]
    assert record.failure == {
        "step": "aliases",
        "command": broken.describe(),
        "status": 3,
        "detail": "exited with status 3",
    }
    assert "FAILED: " + broken.describe() + " exited with status 3" in host.read_text(failure.log)

    # the fault is removed; the planner now also wants qw-a changed once more
    fixed = sh("echo b > /etc/qw-b", touches=("/etc/qw-b",))
    planner.commands = {"aliases": [("/etc/qw-b", fixed)]}
    planner.files["control"] = [("/etc/qw-a", "a again\n", 0o644, ROOT)]
    other = apply(host, Planner(host), run_id="20000101T000000Z")  # not a resume: a new run
    assert other.ok
    with pytest.raises(ApplyError, match="nothing to resume: run 20000101T000000Z finished"):
        apply(host, planner, resume=True)
    resumed = apply(host, planner, run_id=result.run_id, resume=True)
    assert resumed.ok and resumed.resumed and resumed.run_id == result.run_id
    assert resumed.changed == ["control", "aliases", "maildirs"]
    assert host.read_text("/etc/qw-c") == "c\n" and host.read_text("/etc/qw-a") == "a again\n"
    run_dir = f"/var/backups/qmail-wizard/{result.run_id}"
    assert host.read_text(f"{run_dir}/etc/qw-a") == "original a\n"  # backed up only once
    log = host.read_text(failure.log)
    assert log.index("exited with status 3") < log.index(f"run {result.run_id} resumed")
    record = journal.Journal.load(host, result.run_id)
    assert record.status == "done" and record.failure is None and record.resumed

    restored = undo(host)
    assert restored == ["/etc/qw-a", "/etc/qw-b", "/etc/qw-c"]
    assert host.read("/etc/qw-a") == b"original a\n"
    st = host.stat("/etc/qw-a")
    assert (stat.S_IMODE(st.mode), st.owner, st.group) == (0o600, "admin", "users")
    assert not host.exists("/etc/qw-b") and not host.exists("/etc/qw-c")


def test_unfinished_run_is_mentioned_and_resume_needs_a_run(host):
    with pytest.raises(ApplyError, match="nothing to resume"):
        apply(host, Planner(host), resume=True)
    failed = apply(host, Planner(host, commands={"users": [(None, sh("exit 1"))]}))
    assert not failed.ok and failed.failure.status == 1
    fresh = apply(host, Planner(host))
    assert fresh.ok and fresh.run_id != failed.run_id
    assert fresh.notes and f"run {failed.run_id} did not finish (failed)" in fresh.notes[0]


def test_run_ids_get_a_suffix_when_taken(host):
    base = journal.new_run_id(host, lambda rid: False)
    assert re.fullmatch(r"\d{8}T\d{6}Z", base)
    assert journal.new_run_id(host, lambda rid: "-" not in rid).endswith("-2")


def test_undo_restores_bytes_mode_and_owner_and_deletes_new_files(host):
    data = bytes(range(256)) * 3 + b"\r\n no final newline"
    host.write("/home/admin/blob", data, mode=0o640, owner=("admin", "users"))
    planner = Planner(
        host,
        files={
            "control": [
                ("/home/admin/blob", "replaced\n", 0o644, ROOT),
                ("/etc/qw-fresh", "x\n", 0o644, ROOT),
            ]
        },
    )
    result = apply(host, planner)
    assert result.ok and host.read_text("/home/admin/blob") == "replaced\n"
    assert undo(host, result.run_id) == ["/etc/qw-fresh", "/home/admin/blob"]
    assert host.read("/home/admin/blob") == data
    st = host.stat("/home/admin/blob")
    assert (stat.S_IMODE(st.mode), st.owner, st.group) == (0o640, "admin", "users")
    assert not host.exists("/etc/qw-fresh")
    with pytest.raises(ApplyError, match="run 19990101T000000Z has no backups"):
        undo(host, "19990101T000000Z")


def test_lock_held_refuses_naming_the_holder(host):
    with Lock(host):
        holder = json.loads(host.read_text(HOLDER))
        assert holder["pid"] == os.getpid() and holder["machine"] == socket.gethostname()
        with pytest.raises(LockHeld, match=f"pid {os.getpid()} on {socket.gethostname()}"):
            apply(host, Planner(host))
        with pytest.raises(LockHeld, match=f"pid {os.getpid()}"):
            undo(host)
    assert not host.exists(LOCK_DIR)


def test_stale_lock_is_cleared_and_taken(host):
    gone = subprocess.Popen(["true"])
    gone.wait()
    assert not psutil.pid_exists(gone.pid)
    host.run(["mkdir", "-p", LOCK_DIR])
    host.write(
        HOLDER, json.dumps({"pid": gone.pid, "machine": socket.gethostname(), "started": 0.0})
    )
    assert apply(host, Planner(host)).ok
    assert not host.exists(LOCK_DIR)
    # a holder on another machine is never assumed dead
    host.run(["mkdir", "-p", LOCK_DIR])
    host.write(
        HOLDER, json.dumps({"pid": gone.pid, "machine": "elsewhere.example", "started": 0.0})
    )
    with pytest.raises(LockHeld, match=f"pid {gone.pid} on elsewhere.example"):
        apply(host, Planner(host))


def test_streamed_lines_arrive_in_order_and_the_reporter_shows_them(host):
    command = sh(
        "for i in 1 2 3 4 5; do echo line$i; done; printf 'tick\\rtock\\n'; echo err >&2",
        stream=True,
    )
    events = []
    out, quiet = io.StringIO(), io.StringIO()
    reporters = [StepLines(out, verbose=True, live=False), StepLines(quiet, live=False)]

    def progress(event):
        events.append(event)
        for reporter in reporters:
            reporter(event)

    result = apply(host, Planner(host, commands={"packages": [(None, command)]}), progress=progress)
    assert result.ok
    lines = [e.text for e in events if isinstance(e, OutputLine)]
    assert lines == ["line1", "line2", "line3", "line4", "line5", "tick", "tock", "err"]
    assert StepFinished("packages", True) in events and isinstance(events[-1], Finished)
    shown = out.getvalue().splitlines()  # verbose: the step, its command, its output
    assert f"[3/{len(STEP_IDS)}] packages: {command.describe()} | line5" in shown
    done = rf"\[3/{len(STEP_IDS)}\] packages: changed in \d+\.\d s"
    assert any(re.fullmatch(done, line) for line in shown)
    assert shown[-1].startswith(f"[{len(STEP_IDS)}/{len(STEP_IDS)}] verify: checked in ")
    brief = quiet.getvalue().splitlines()  # by default: one line per step, no output
    assert len(brief) == len(STEP_IDS) and "line" not in quiet.getvalue()
    assert "\r" not in quiet.getvalue() + out.getvalue()  # not a terminal: no live line


def test_a_stop_request_lets_the_running_command_finish_then_stops(host):
    """The headless Ctrl+C: the action under way ends whole; the run stops before the
    next one, cancelled and resumable."""
    reporter = StepLines(io.StringIO(), live=False)
    first = sh("echo started; sleep 1; touch /etc/qw-first", stream=True)
    planner = Planner(
        host,
        commands={
            "packages": [("/etc/qw-first", first), ("/etc/qw-second", sh("touch /etc/qw-second"))]
        },
    )

    def progress(event):
        if isinstance(event, OutputLine) and event.text == "started":
            reporter.stop_soon()
        reporter(event)

    result = apply(host, planner, progress=progress)
    assert not result.ok and result.failure.cancelled and result.failure.step == "packages"
    assert host.exists("/etc/qw-first") and not host.exists("/etc/qw-second")
    assert reporter.finished == [("preflight", False), ("mkconf", False)]
    resumed = apply(host, planner, resume=True)
    assert resumed.ok and host.exists("/etc/qw-second")


def test_cancel_terminates_the_child_and_the_run_is_resumable(host):
    cancel = threading.Event()
    planner = Planner(
        host,
        commands={
            "packages": [("/etc/qw-built", sh("echo building; exec sleep 300", stream=True))]
        },
    )

    def progress(event):
        if isinstance(event, OutputLine) and event.text == "building":
            cancel.set()

    result = apply(host, planner, progress=progress, cancel=cancel)
    assert not result.ok and result.failure.cancelled and result.failure.status is None
    assert "was cancelled" in result.failure.message
    assert "To continue, run: qmail-wizard apply PROFILE --resume" in result.failure.message
    # sleep (a grandchild) dies soon after the terminate, not at once: poll (a loaded CI saw it alive)
    assert wait_for(
        lambda: not [p for p in host.processes() if p.name == "sleep" and p.status != "zombie"]
    )
    assert journal.Journal.load(host, result.run_id).status == "failed"
    planner.commands = {"packages": [("/etc/qw-built", sh("touch /etc/qw-built"))]}
    resumed = apply(host, planner, resume=True)
    assert resumed.ok and resumed.run_id == result.run_id and host.exists("/etc/qw-built")


def test_pkgin_prompt_is_answered_after_showing_the_package_list(host):
    install = RunCommand(
        ("pkgin", "install", "daemontools"), answers=(("proceed ? [Y/n] ", "y"),), stream=True
    )
    assert host.run(["pkg_info", "-e", "daemontools"]).rc != 0
    events = []
    result = apply(
        host, Planner(host, commands={"packages": [(None, install)]}), progress=events.append
    )
    assert result.ok, result.failure and result.failure.message
    assert host.run(["pkg_info", "-e", "daemontools"]).rc == 0
    prompts = [i for i, e in enumerate(events) if isinstance(e, Prompt)]
    assert len(prompts) == 1
    prompt = events[prompts[0]]
    assert "daemontools-0.76nb1" in prompt.text and "to be installed" in prompt.text
    assert (prompt.prompt, prompt.answer) == ("proceed ? [Y/n] ", "y")
    installing = [
        i
        for i, e in enumerate(events)
        if isinstance(e, OutputLine) and e.text.startswith("installing daemontools")
    ]
    assert installing and prompts[0] < installing[0]
    log = host.read_text(result.log)
    assert "proceed ? [Y/n] y    (answered by qmail-wizard)" in log
    assert log.index("daemontools-0.76nb1") < log.index("answered by qmail-wizard")


KILLED_RUN = """
import sys
from tui.backend.apply import apply
from tui.backend.hosts import SandboxHost
from tui.backend.steps import STEP_IDS, Plan, RunCommand, Step, WriteFile
from tui.commands.progress import StepLines

host = SandboxHost(sys.argv[1])
def replan():
    steps = [Step(s, s) for s in STEP_IDS]
    if not host.exists("/etc/qw-a"):
        steps[4].actions.append(WriteFile("/etc/qw-a", None, "a\\n"))
    steps[5].actions.append(RunCommand(("sh", "-c", "echo ready; exec sleep 300"), stream=True))
    return Plan(steps)
apply(host, replan, progress=StepLines(sys.stderr, verbose=True))
"""


def test_sigkill_mid_run_then_resume_finishes_the_same_run(make_sandbox):
    box = make_sandbox()
    host = SandboxHost(box.paths.base)
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(box.paths.base)], stderr=subprocess.PIPE, text=True
    )
    for line in child.stderr:
        if line.rstrip().endswith("| ready"):
            break
    child.kill()
    child.wait()
    run_id = journal.last_run(host)
    assert journal.Journal.load(host, run_id).status == "running"
    assert json.loads(host.read_text(HOLDER))["pid"] == child.pid
    planner = Planner(
        host,
        files={
            "control": [("/etc/qw-a", "a\n", 0o644, ROOT)],
            "maildirs": [("/etc/qw-c", "c\n", 0o644, ROOT)],
        },
    )
    resumed = apply(host, planner, resume=True)
    assert resumed.ok and resumed.run_id == run_id
    assert resumed.changed == ["control", "maildirs"]
    assert json.loads(host.read_text(f"/var/backups/qmail-wizard/{run_id}/MANIFEST")) == {
        "/etc/qw-a": {"existed": False},
        "/etc/qw-c": {"existed": False},
    }
    assert undo(host) == ["/etc/qw-a", "/etc/qw-c"] and not host.exists("/etc/qw-a")
