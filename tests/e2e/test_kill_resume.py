"""Issue 3: SIGKILL of `apply` at every step boundary (and in the middle of a package
download or source build), then `apply --resume`, ends in the same state as an
uninterrupted run."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.cli import ROOT, wizard
from tests.reliability.matrix import (
    STEP_IDS,
    N,
    apply_done,
    differences,
    journal,
    kill_at,
    last_run,
    managed_files,
    no_orphans,
    start_apply,
    step_line,
)

DEFAULT = str(ROOT / "profiles" / "default.yaml")
SOURCE = str(ROOT / "profiles" / "srs-source.yaml")
RUNNING = ("qmailsend", "qmailsmtpd", "qmailqread")


def resume_and_check(box, profile: str) -> dict[str, bytes | None]:
    """`apply --resume` finishes the killed run, nothing is left to plan, the
    services run; returns the managed files."""
    run_id = last_run(box)
    assert journal(box, run_id)["status"] == "running"  # killed: it never recorded an end
    assert f"(run {run_id})" in apply_done(box, profile, "--resume").stdout
    plan = wizard(box, "plan", profile)
    assert plan.returncode == 0, plan.stdout
    for service in RUNNING:
        assert box.exec([f"/etc/rc.d/{service}", "status"]).returncode == 0, service
    return managed_files(box)


def killed_and_resumed(make_sandbox, profile: str, seen, name: str) -> dict[str, bytes | None]:
    """A fresh host where apply is killed at ``seen`` and resumed: its managed files."""
    box = make_sandbox(name=name)
    try:
        kill_at(start_apply(box, profile), seen)
        no_orphans(box)
        return resume_and_check(box, profile)
    finally:
        box.kill()


def uninterrupted(make_sandbox, profile: str) -> dict[str, bytes | None]:
    box = make_sandbox(name="reference")
    try:
        apply_done(box, profile)
        return managed_files(box)
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
            differ = differences(expected, files)
            if differ:
                problems[name] = f"differs from the uninterrupted run: {differ}"
    assert not problems, "\n".join(f"killed at {k}: {v}" for k, v in problems.items())


@pytest.mark.slow
def test_kill_at_every_step_boundary_and_mid_download_then_resume(make_sandbox):
    kill_points = {f"[{i}/{N}] {STEP_IDS[i - 1]}": step_line(i) for i in range(2, N)}
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
