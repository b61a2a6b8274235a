"""Issue 7, crash matrix: SIGKILL of ``qmail-wizard apply`` (the CLI, its whole process
group) at every step boundary and in the middle of each long command, for the binary,
pkgin and source install paths; ``apply --resume`` converges to the uninterrupted result.

One chain per path keeps it cheap: apply is killed at the first kill point, ``apply
--resume`` at the next, ... and a last ``--resume`` finishes.  After every kill: the
journal is still "running" with a prefix of the steps finished, the lock is left
behind naming the dead pid (stale), no temp file of an atomic write is left.  After
the chain: exit 0 for the same run, the lock gone, ``plan`` exits 0, the managed files
and every service's rc.d status equal a reference host where the same profile was
applied without interruption, the backups are the reference's (every written file
has one), and SMTP accepts mail.

The acceptance case: three SIGKILLs at random (seeded, printed) moments during one
install, then ``apply --resume``: exit 0, ``plan`` exits 0, mail is accepted.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.cli import wizard
from tests.reliability.matrix import (
    STEP_IDS,
    N,
    action_start,
    apply_done,
    assert_backed_up,
    assert_journal_prefix,
    backups,
    differences,
    host_state,
    journal,
    kill_all,
    kill_at,
    last_run,
    leftover_temp_files,
    lock_holder,
    managed_files,
    no_orphans,
    output_of,
    profiles,
    smtp_accepts,
    start_apply,
    step_finished,
    step_line,
)
from tui.backend.lock import LOCK_DIR
from tui.sandbox.handle import Sandbox

PKG_ADD = "pkg_add -v qmail-run"
PKGIN = "pkgin install qmail-run"
MAKE_QMAIL = "mail/qmail && env PKG_RCD_SCRIPTS=YES make install"
MAKE_RUN = "mail/qmail-run && env PKG_RCD_SCRIPTS=YES make install"


def boundaries() -> list[tuple[str, object]]:
    """Every step boundary: before the first step, and after each step but the last
    (journalled, the next not begun).  After the last one the run marks itself done
    within milliseconds, so a kill there races it (CI saw the run finish first); the
    mid-verify point covers the last step."""
    return [(f"before [1/{N}] {STEP_IDS[0]}", step_line(1))] + [
        (f"after [{i}/{N}] {STEP_IDS[i - 1]}", step_finished(i)) for i in range(1, N)
    ]


def mta_switch_begun(line: str) -> bool:
    """postfix stop starting; or, when postfix was stopped by the run killed "after
    tcprules", the step's first write: mta-switch follows tcprules at once (no probe
    between them), so that kill can land once postfix stop has begun."""
    actions = ("/etc/rc.d/postfix stop", "edit /etc/rc.conf", "edit /etc/mailer.conf")
    return line.startswith(f"[{STEP_IDS.index('mta-switch') + 1}/{N}] mta-switch: ") and any(
        action_start(action)(line) for action in actions
    )


def common_mid() -> dict[str, list[tuple[str, object]]]:
    """Mid-command kill points after the package step, by the step they are in."""
    return {
        "mta-switch": [("postfix stop running (or its first write)", mta_switch_begun)],
        "services": [("qmailsmtpd start running", action_start("/etc/rc.d/qmailsmtpd start"))],
        # the checks print together once they are done, the run ends milliseconds later:
        # kill while they run (the test delivery alone takes a second or more)
        "verify": [("verify, its checks running", action_start("qmail-wizard verify"))],
    }


MID = {  # path -> mid-command kill points of the package step, in the order they happen
    "binary": [
        ("pkg_add, its first output line", output_of(PKG_ADD)),
        ("pkg_add, qmail download at 50%", output_of(PKG_ADD, "qmail-1.03nb27.tgz", "(50%)")),
    ],
    "pkgin": [
        ("pkgin update, its first output line", output_of("pkgin update")),
        ("pkgin install, its first output line", output_of(PKGIN)),
        ("pkgin install, at its prompt", lambda line: f"{PKGIN} asks " in line),
        ("pkgin install, qmail download at 50%", output_of(PKGIN, "qmail-1.03nb27.tgz", " 50%")),
        ("pkgin install, installing daemontools", output_of(PKGIN, "installing daemontools")),
    ],
    "source": [
        ("make clean of qmail, its first output line", output_of("mail/qmail && make clean")),
        ("make install of qmail, fetching", output_of(MAKE_QMAIL, "=> Fetching")),
        ("make install of qmail, building", output_of(MAKE_QMAIL, "Building for qmail")),
        ("make install of qmail, installing", output_of(MAKE_QMAIL, "Installing for qmail")),
        ("make install of qmail-run, its first output line", output_of(MAKE_RUN)),
    ],
}


def kill_points(path: str) -> list[tuple[str, object]]:
    """The chain of ``path``: the step boundaries in order, a step's mid-command points
    between the boundary before it and the one after it."""
    mid = {"packages": MID[path], **common_mid()}
    points = []
    for label, seen in boundaries():
        points.append((label, seen))
        for step, extra in mid.items():
            index = STEP_IDS.index(step)
            if (
                label.startswith(("before", "after"))
                and label.endswith(f"] {STEP_IDS[index - 1]}")
                and index
            ):
                points += extra
    return points


def reference(make_sandbox, profile: str, name: str) -> dict:
    """The same profile applied without interruption on a fresh host."""
    box = make_sandbox(name)
    try:
        apply_done(box, profile)
        run = last_run(box)
        return {"state": host_state(box), "backups": backups(box, run)}
    finally:
        box.kill()


def chain(make_sandbox, profile: str, points, name: str) -> dict:
    """Apply killed at each point in turn, then a last ``--resume``; the checks after
    every kill; the host's final state and backups."""
    box = make_sandbox(name)
    try:
        run_id, kills = None, []
        for n, (label, seen) in enumerate(points):
            child = start_apply(box, profile, *(["--resume"] if n else []))
            try:
                line = kill_at(child, seen)
            except AssertionError as exc:
                raise AssertionError(f"kill point '{label}' (after {kills}): {exc}") from None
            kills.append(f"{label}: {line[:100]}")
            no_orphans(box)
            run_id = run_id or last_run(box)
            assert last_run(box) == run_id, "a resumed run started a new run"
            finished = assert_journal_prefix(journal(box, run_id), "running")
            holder = lock_holder(box)
            assert holder is not None and holder["pid"] == child.pid, (
                f"after '{label}' the lock does not name the killed run: {holder}"
            )
            kills[-1] += f" (journal: {len(finished)} steps finished)"
        done = apply_done(box, profile, "--resume")
        assert f"(run {run_id})" in done.stdout, done.stdout[-500:]
        assert not box.path(LOCK_DIR).exists(), "the lock was not released"
        record = journal(box, run_id)
        assert record["status"] == "done" and list(record["steps"]) == list(STEP_IDS), record
        assert len(record["resumed"]) == len(points), record["resumed"]
        plan = wizard(box, "plan", profile)
        assert plan.returncode == 0, plan.stdout[-3000:]
        smtp_accepts(box, "after the crash chain")
        # a kill mid-write leaves .NAME.qw-tmp-PID; the resumed run's write of NAME
        # (or the log's rewrite) removes it
        litter = leftover_temp_files(box)
        assert not litter, litter
        return {
            "state": host_state(box),
            "run": run_id,
            "kills": kills,
            "box": box,
            "backups_check": lambda ref: assert_backed_up(box, run_id, ref),
        }
    except BaseException:
        box.kill()
        raise


def converged(base, profile: str, path: str) -> list[str]:
    """The chain of ``path`` and its reference, side by side; what to print."""
    points = kill_points(path)
    started = time.monotonic()
    make = _boxes(base / path)
    with ThreadPoolExecutor(2) as pool:
        expected = pool.submit(reference, make, profile, "reference")
        got = pool.submit(chain, make, profile, points, "chain")
        got = got.result()
    try:
        expected = expected.result()
        differ = differences(expected["state"], got["state"])
        assert not differ, f"differs from the uninterrupted run: {differ}"
        got["backups_check"](expected["backups"])
    finally:
        got["box"].kill()
    edges = len(boundaries())
    return [
        f"crash matrix, {path}: {len(points)} kill points ({edges} step boundaries, "
        f"{len(points) - edges} mid-command), converged in {time.monotonic() - started:.0f} s"
    ] + [f"  killed at {kill}" for kill in got["kills"]]


def _boxes(base):
    """A make_sandbox for a module fixture: fresh 2017Q1 hosts under ``base``."""

    def make(name: str) -> Sandbox:
        return Sandbox.create(base / name, pace=0.02)

    return make


@pytest.fixture(scope="module")
def chains(tmp_path_factory):
    """The three paths' chains, all at once (they mostly wait on paced commands)."""
    base = tmp_path_factory.mktemp("crash")
    paths = profiles(base)
    outcome = {}
    with ThreadPoolExecutor(3) as pool:
        jobs = {path: pool.submit(converged, base, paths[path], path) for path in paths}
        for path, job in jobs.items():
            try:
                outcome[path] = job.result()
            except BaseException as exc:  # each test reports its own
                outcome[path] = exc
    return outcome


@pytest.mark.slow
@pytest.mark.parametrize("path", ["binary", "pkgin", "source"])
def test_crash_chain_converges_to_the_uninterrupted_result(chains, path):
    result = chains[path]
    if isinstance(result, BaseException):
        raise result
    print("\n" + "\n".join(result))


@pytest.mark.slow
def test_three_random_sigkills_then_resume(make_sandbox, tmp_path):
    """Issue 7 acceptance: three SIGKILLs at random moments during one install.

    A moment is a random step of the run (1-11; a resumed run begins its finished
    steps again, quickly) plus a random delay (0-0.3 s) after that step began, so that
    every kill lands inside a run however fast the host is (fixed times missed when
    apply got faster)."""
    # seed 20261128 lands a kill inside pkg_add after it registered qmail, seed 3 one
    # inside qmail's POST-INSTALL (queue-fix): both once left an install no resume fixed
    seed = int(os.environ.get("QW_CRASH_SEED", "20261128"))
    rng = random.Random(seed)
    moments = [(rng.randint(1, N - 1), round(rng.uniform(0.0, 0.3), 2)) for _ in range(3)]
    print(f"\nrandom SIGKILLs: seed {seed} (QW_CRASH_SEED), (steps begun, then seconds) {moments}")
    profile = profiles(tmp_path)["binary"]
    box = make_sandbox(name="random")
    for n, (steps_ahead, delay) in enumerate(moments):
        child = start_apply(box, profile, *(["--resume"] if n else []))
        timer = threading.Timer(delay, kill_all, (child.pid,))
        begun: set[str] = set()
        for line in child.stderr:  # "[3/12] users: ..." heads; the first of each = a start
            head = line.split(": ", 1)[0]
            if head.startswith("[") and f"/{N}] " in head and head not in begun:
                begun.add(head)
                if len(begun) == steps_ahead:
                    timer.start()
        child.wait(timeout=120)
        child.stderr.close()
        child.stdout.close()
        timer.cancel()
        assert child.returncode == -signal.SIGKILL, (
            f"run {n + 1} ended (status {child.returncode}) before its kill {moments[n]}"
        )
        no_orphans(box)
        steps = list(journal(box, last_run(box))["steps"])
        print(
            f"  kill {n + 1} {delay} s into step {steps_ahead} of the run: "
            f"{len(steps)} steps finished"
            f"{' (' + steps[-1] + ' last)' if steps else ''}"
        )
    apply_done(box, profile, "--resume")
    plan = wizard(box, "plan", profile)
    assert plan.returncode == 0, plan.stdout[-3000:]
    smtp_accepts(box, "after three random kills")
    assert not leftover_temp_files(box)


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["PRE-INSTALL", "POST-INSTALL"])
def test_killed_inside_pkg_add_of_qmail_resumes_by_reinstalling(make_sandbox, tmp_path, moment):
    """pkg_add records qmail in /var/db/pkg before it extracts it and runs its
    POST-INSTALL (queue-fix makes the queue): killed there, qmail is registered but
    half installed.  The plan removes what the interrupted step registered and
    installs it again; the resumed run then delivers mail."""
    profile = profiles(tmp_path)["binary"]
    box = make_sandbox(name="registered")
    kill_at(start_apply(box, profile), output_of(PKG_ADD, f"{moment} for qmail-1"))
    no_orphans(box)
    assert box.exec(["pkg_info", "-e", "qmail"]).returncode == 0
    plan = wizard(box, "plan", profile)
    commands = [line.strip() for line in plan.stdout.splitlines() if "$ " in line]
    delete = [c for c in commands if "pkg_delete -f" in c]
    assert delete and "qmail-1.03" in delete[0] and "qmail-run" not in delete[0], commands
    assert "interrupted while it installed packages" in plan.stdout
    apply_done(box, profile, "--resume")
    assert wizard(box, "plan", profile).returncode == 0
    smtp_accepts(box, f"after a kill in qmail's {moment}")


@pytest.mark.slow
@pytest.mark.parametrize("path", ["binary", "pkgin"])
def test_killed_between_qmail_and_qmail_run_resumes_with_the_same_tool(
    make_sandbox, tmp_path, path
):
    """Killed after qmail is registered, before qmail-run is: resume must finish with
    pkg_add/pkgin, as planned, not switch to a source build of both."""
    profile = profiles(tmp_path)[path]
    box = make_sandbox(name=path)
    kill_at(
        start_apply(box, profile),
        output_of(PKG_ADD, "POST-INSTALL for qmail-1")
        if path == "binary"
        else output_of(PKGIN, "installing qmail-run"),
    )
    no_orphans(box)
    assert box.exec(["pkg_info", "-e", "qmail"]).returncode == 0
    assert box.exec(["pkg_info", "-e", "qmail-run"]).returncode != 0
    plan = wizard(box, "plan", profile)
    commands = [line.strip() for line in plan.stdout.splitlines() if "$ " in line]
    assert not [c for c in commands if "pkgsrc" in c or c.startswith("$ make")], commands
    assert "Install method: source" not in plan.stdout, plan.stdout[:1500]
    assert any("qmail-run" in c for c in commands), commands


def control_files(box) -> dict[str, bytes | None]:
    return {p: data for p, data in managed_files(box).items() if "/control/" in p}


@pytest.mark.slow
def test_killed_in_qmail_run_post_install_resumes_to_the_same_control_files(make_sandbox, tmp_path):
    """Killed while qmail-run's INSTALL script writes control files: after ``--resume``
    every control file (names and bytes) is an uninterrupted apply's."""
    profile = profiles(tmp_path)["binary"]

    def uninterrupted() -> dict:
        box = make_sandbox(name="reference")
        apply_done(box, profile)
        return control_files(box)

    with ThreadPoolExecutor(1) as pool:
        expected = pool.submit(uninterrupted)
        box = make_sandbox(name="post-install")
        kill_at(
            start_apply(box, profile),
            output_of(PKG_ADD, "Putting mail.example.org into control/me"),
        )
        no_orphans(box)
        apply_done(box, profile, "--resume")
        expected = expected.result()
    got = control_files(box)
    assert expected and got == expected, differences(expected, got)


@pytest.mark.slow
def test_killed_in_maildirmake_resumes_to_a_working_maildir(make_sandbox, tmp_path):
    profile = profiles(tmp_path)["binary"]
    box = make_sandbox(name="maildir")
    kill_at(
        start_apply(box, profile), action_start("setuidgid admin maildirmake /home/admin/Maildir")
    )
    no_orphans(box)
    resumed = wizard(box, "apply", profile, "--yes", "--resume")
    assert resumed.returncode == 0, resumed.stderr[-1500:]
