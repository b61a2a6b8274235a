"""Issue 3: SIGKILL of `apply` at every step boundary (and in the middle of a package
download or source build), then `apply --resume`, ends in the same state as an
uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.cli import ROOT, wizard
from tui.backend.steps import STEP_IDS

DEFAULT = str(ROOT / "profiles" / "default.yaml")
SOURCE = str(ROOT / "profiles" / "srs-source.yaml")
SYSCONF = "/usr/pkg/etc/qmail"
RUNNING = ("qmailsend", "qmailsmtpd", "qmailqread")


def relevant_files(box) -> dict[str, bytes | None]:
    """The files apply writes or installs that define the result, by NetBSD path."""
    paths = [
        "/etc/rc.conf",
        "/etc/mailer.conf",
        "/etc/mk.conf",
        f"{SYSCONF}/tcp.smtp",
        f"{SYSCONF}/tcp.smtp.cdb",
    ]
    for directory, prefix in (
        (f"{SYSCONF}/control", ""),
        (f"{SYSCONF}/alias", ".qmail-"),
        ("/etc/rc.d", "qmail"),
    ):
        paths += [
            f"{directory}/{p.name}"
            for p in box.path(directory).iterdir()
            if p.name.startswith(prefix) and p.is_file()
        ]
    return {p: box.path(p).read_bytes() if box.path(p).exists() else None for p in paths}


def start_apply(box, profile: str) -> subprocess.Popen:
    """`apply PROFILE --yes` as a user runs it, in its own process group."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui.cli",
            "--target",
            f"sandbox:{box.paths.base}",
            "apply",
            profile,
            "--yes",
            "-v",  # the step heads and the commands' output: the kill points
        ],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def kill_when(child: subprocess.Popen, seen) -> None:
    """SIGKILL the child's process group on the first progress line ``seen(line)``
    accepts."""
    try:
        for line in child.stderr:
            if seen(line):
                os.killpg(child.pid, signal.SIGKILL)
                return
        raise AssertionError("apply finished before the kill point")
    finally:
        child.wait(timeout=60)
        child.stderr.close()


def resume_and_check(box, profile: str) -> dict[str, bytes | None]:
    """`apply --resume` finishes the killed run, nothing is left to plan, the
    services run; returns the relevant files."""
    run_id = box.read("/var/db/qmail-wizard/last-run").strip()
    journal = json.loads(box.read(f"/var/db/qmail-wizard/journal/{run_id}.json"))
    assert journal["status"] == "running"  # killed: it never got to record an end
    resumed = wizard(box, "apply", profile, "--yes", "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"(run {run_id})" in resumed.stdout
    plan = wizard(box, "plan", profile)
    assert plan.returncode == 0, plan.stdout
    for service in RUNNING:
        assert box.exec([f"/etc/rc.d/{service}", "status"]).returncode == 0, service
    return relevant_files(box)


def killed_and_resumed(make_sandbox, profile: str, seen, name: str) -> dict[str, bytes | None]:
    """A fresh host where apply is killed at ``seen`` and resumed: its relevant files."""
    box = make_sandbox(name=name)
    try:
        kill_when(start_apply(box, profile), seen)
        return resume_and_check(box, profile)
    finally:
        box.kill()


def uninterrupted(make_sandbox, profile: str) -> dict[str, bytes | None]:
    box = make_sandbox(name="reference")
    try:
        applied = wizard(box, "apply", profile, "--yes")
        assert applied.returncode == 0, applied.stderr[-3000:]
        return relevant_files(box)
    finally:
        box.kill()


def run_all(make_sandbox, profile: str, kill_points: dict, workers: int) -> None:
    """Every kill point, and one uninterrupted run, on their own fresh 2017Q1 hosts,
    ``workers`` at a time (they mostly wait); each must end like the uninterrupted run."""
    with ThreadPoolExecutor(workers) as pool:
        reference = pool.submit(uninterrupted, make_sandbox, profile)
        runs = {
            name: pool.submit(killed_and_resumed, make_sandbox, profile, seen, f"k{n}")
            for n, (name, seen) in enumerate(kill_points.items())
        }
        expected = reference.result()
        problems = {}
        for name, run in runs.items():
            try:
                files = run.result()
            except AssertionError as exc:
                problems[name] = str(exc)
                continue
            # srs_secrets is random bytes made on the host: each run makes its own
            differ = sorted(
                p
                for p in expected.keys() | files.keys()
                if expected.get(p) != files.get(p) and not p.endswith("/srs_secrets")
            )
            if differ:
                problems[name] = f"differs from the uninterrupted run: {differ}"
    assert not problems, "\n".join(f"killed at {k}: {v}" for k, v in problems.items())


def at_step(index: int):
    return lambda line: line.startswith(f"[{index}/{len(STEP_IDS)}] ")


@pytest.mark.slow
def test_kill_at_every_step_boundary_and_mid_download_then_resume(make_sandbox):
    kill_points = {
        f"[{i}/{len(STEP_IDS)}] {STEP_IDS[i - 1]}": at_step(i) for i in range(2, len(STEP_IDS))
    }
    kill_points["the first pkg_add Fetching line"] = lambda line: (
        "pkg_add -v qmail-run | Fetching" in line
    )
    run_all(make_sandbox, DEFAULT, kill_points, workers=3)


@pytest.mark.slow
def test_kill_during_source_fetch_then_resume(make_sandbox):
    run_all(
        make_sandbox,
        SOURCE,
        {"the first make Fetching line": lambda line: "make install | => Fetching" in line},
        2,
    )
