"""Issue 7, fault matrix: every fault kind of the sandbox on every step where it strikes.

The package faults (missing-package, network-failure, slow-download,
install-script-failure) strike the package step of the binary and the pkgin path, the
two a source build meets (a distfile missing or slow to fetch) that of the source path;
pkgin-wrong-answer strikes pkgin's prompt; service-start-failure strikes each
service's start (all services enabled but qmailofmipd, see ALL_SERVICES).  Each fault strikes once (``times: 1``).

A fault that breaks the run: apply exits 1 with one paragraph naming the step, the
command, its exit status, the log and what to do; the log records the failure; the
journal says "failed" with exactly the steps before it finished; no file is
half-written (each managed file is the version before the run, the version the run
ends with, or the one its backup holds); then, with the fault file emptied, ``apply
--resume`` finishes the same run, ``verify`` and ``plan`` exit 0 and SMTP accepts mail.
A slow download breaks nothing: apply shows its progress and finishes.

The cases run in a pool (they mostly wait on paced commands); each test reports its own.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.cli import wizard
from tests.reliability.matrix import (
    STEP_IDS,
    apply_done,
    assert_journal_prefix,
    journal,
    last_run,
    managed_files,
    manifest,
    profiles,
    smtp_accepts,
)
from tui.sandbox.handle import Sandbox

PKG_ADD = "`env PKG_RCD_SCRIPTS=YES pkg_add -v qmail-run`"
PKGIN = "`env PKG_RCD_SCRIPTS=YES pkgin install qmail-run`"
MAKE = "`cd /usr/pkgsrc/mail/qmail && env PKG_RCD_SCRIPTS=YES make install`"
#: qmailofmipd is left out: a profile enabling it never applies (nothing writes the
#: tcp.ofmip.cdb /etc/rc.d/qmailofmipd requires, and its ofmipd comes with mess822 only)
ALL_SERVICES = ("qmailsend", "qmailsmtpd", "qmailqread", "qmailpop3d")
PACKAGE_FAULTS = {
    "missing-package": "{kind: missing-package, package: qmail-run, times: 1}",
    "network-failure": "{kind: network-failure, package: qmail, at_percent: 40, times: 1}",
    "install-script-failure": "{kind: install-script-failure, package: qmail, times: 1}",
    "slow-download": "{kind: slow-download, package: qmail, seconds: 150, times: 1}",
}
#: the faults make's fetch of qmail's distfile (netqmail) meets
SOURCE_FAULTS = {
    "missing-package": "{kind: missing-package, package: qmail, times: 1}",
    "slow-download": PACKAGE_FAULTS["slow-download"],
}
#: case id -> (install path, fault entry, failing step or None, command it names)
CASES = {
    **{
        f"{path}-{kind}": (
            path,
            entry,
            None if kind == "slow-download" else "packages",
            {"binary": PKG_ADD, "pkgin": PKGIN, "source": MAKE}[path],
        )
        for path, faults in (
            ("binary", PACKAGE_FAULTS),
            ("pkgin", PACKAGE_FAULTS),
            ("source", SOURCE_FAULTS),
        )
        for kind, entry in faults.items()
    },
    "pkgin-pkgin-wrong-answer": (
        "pkgin",
        "{kind: pkgin-wrong-answer, times: 1}",
        "packages",
        PKGIN,
    ),
    **{
        f"binary-service-start-failure-{s}": (
            "services",
            f"{{kind: service-start-failure, service: {s}, times: 1}}",
            "services",
            f"/etc/rc.d/{s} start",
        )
        for s in ALL_SERVICES
    },
}


def set_faults(box, *entries: str) -> None:
    box.paths.faults_file.write_text(
        "faults:\n" + "".join(f"  - {e}\n" for e in entries) if entries else "faults: []\n"
    )


def failed_cleanly(box, profile: str, step: str, command: str, before: dict) -> str:
    """Apply fails in ``step`` naming ``command``; the checks of a failed run; its id."""
    failed = wizard(box, "apply", profile, "--yes")
    assert failed.returncode == 1, failed.stderr[-3000:]
    run_id = last_run(box)
    said = [
        line
        for line in failed.stderr.splitlines()
        if line.strip() and not line.startswith(("[", "note: ", " "))
    ]
    assert len(said) == 1, said
    message, log = said[0], f"/var/log/qmail-wizard/{run_id}.log"
    record = journal(box, run_id)
    status = record["failure"]["status"]
    assert message.startswith(f"qmail-wizard: apply stopped in step '{step}': `"), message
    assert command in message, message
    assert isinstance(status, int) and status != 0 and f"exited with status {status}" in message, (
        status,
        message,
    )
    assert log in message and f"qmail-wizard apply {profile} --resume" in message, message
    assert f"undo --run {run_id}" in message, message
    assert "Traceback" not in failed.stderr
    assert f"[{step}] FAILED: " in box.read(log)
    assert record["failure"]["step"] == step, record
    finished = assert_journal_prefix(record, "failed")
    assert finished == list(STEP_IDS[: STEP_IDS.index(step)]), finished
    return run_id


def versions_allowed(box, run_id: str, before: dict, after_failure: dict, final: dict) -> None:
    """No half-written file: each is as before the run, as the finished run leaves it,
    or as the run's backup holds it (the version just before the run wrote it)."""
    saved = manifest(box, run_id)
    odd = []
    for path, data in after_failure.items():
        allowed = {before.get(path), final.get(path)}
        if saved.get(path, {}).get("existed"):
            allowed.add(box.path(f"/var/backups/qmail-wizard/{run_id}{path}").read_bytes())
        elif path in saved:
            allowed.add(None)
        if data not in allowed:
            odd.append(path)
    assert not odd, f"neither the old nor the new version: {odd}"


def resumed_and_verified(box, profile: str, run_id: str) -> dict:
    """Fault removed: ``--resume`` finishes run ``run_id``; verify, plan, SMTP pass."""
    set_faults(box)
    done = apply_done(box, profile, "--resume")
    assert f"(run {run_id})" in done.stdout, done.stdout[-500:]
    checked = wizard(box, "verify")
    assert checked.returncode == 0, checked.stdout[-3000:]
    plan = wizard(box, "plan", profile)
    assert plan.returncode == 0, plan.stdout[-3000:]
    smtp_accepts(box, "after a fault")
    return managed_files(box)


def package_case(base, profile: str, entry: str, step: str | None, command: str) -> str:
    box = Sandbox.create(base, pace=0.02)
    try:
        before = managed_files(box)
        set_faults(box, entry)
        if step is None:  # a slow download: progress shown while it lasts, then done
            started = time.monotonic()
            done = apply_done(box, profile)
            # pkg_add and pkgin show a progress meter; make's fetch a line per distfile
            marks, least = (
                (("Requesting", "netqmail-"), 1)
                if command == MAKE
                else (("qmail-1.03nb27", "%"), 3)
            )
            shown = [
                line
                for line in done.stderr.splitlines()
                if command.strip("`") in line and all(m in line for m in marks)
            ]
            assert len(shown) >= least and time.monotonic() - started > 3, shown
            return "survived: apply finished, showing the slow download's progress"
        run_id = failed_cleanly(box, profile, step, command, before)
        after_failure = managed_files(box)
        final = resumed_and_verified(box, profile, run_id)
        versions_allowed(box, run_id, before, after_failure, final)
        return "failed cleanly, resumed"
    finally:
        box.kill()


def services_chain(base, profile: str, services: tuple[str, ...]) -> dict:
    """One host: a start failure of each of ``services`` in turn.  The first strikes a
    fresh install; before each later one every qmail service is stopped and apply is
    run again (a new run)."""
    box = Sandbox.create(base, pace=0.02)
    outcome: dict[str, str | BaseException] = {}
    try:
        for n, service in enumerate(services):
            try:
                if n:
                    for name in reversed(ALL_SERVICES):
                        box.exec([f"/etc/rc.d/{name}", "onestop"])
                before = managed_files(box)
                set_faults(box, CASES[f"binary-service-start-failure-{service}"][1])
                run_id = failed_cleanly(box, profile, "services", f"/etc/rc.d/{service}", before)
                after_failure = managed_files(box)
                final = resumed_and_verified(box, profile, run_id)
                versions_allowed(box, run_id, before, after_failure, final)
                assert after_failure == final, "the services step changed a managed file"
                outcome[service] = "failed cleanly, resumed"
            except BaseException as exc:  # each test reports its own
                outcome[service] = exc
                break
        return outcome
    finally:
        box.kill()


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Every case's outcome: a short text when it passed, else the exception."""
    base = tmp_path_factory.mktemp("faults")
    paths = profiles(base)
    services = base / "services.yaml"
    services.write_text(
        Path(paths["binary"]).read_text().replace("qmailpop3d: false", "qmailpop3d: true")
    )
    started = time.monotonic()
    results: dict = {}
    with ThreadPoolExecutor(4) as pool:
        chains = [
            pool.submit(services_chain, base / f"services{n}", str(services), group)
            for n, group in enumerate((ALL_SERVICES[:2], ALL_SERVICES[2:]))
        ]
        jobs = {
            case: pool.submit(package_case, base / case, paths[path], entry, step, command)
            for case, (path, entry, step, command) in CASES.items()
            if path != "services"
        }
        for case, job in jobs.items():
            try:
                results[case] = job.result()
            except BaseException as exc:
                results[case] = exc
        for chain in chains:
            for service, result in chain.result().items():
                results[f"binary-service-start-failure-{service}"] = result
    failing = sum(1 for r in results.values() if isinstance(r, BaseException))
    steps = {
        (path if path != "services" else "binary", step or "packages")
        for path, _, step, _ in CASES.values()
    }
    print(
        f"\nfault matrix: {len(CASES)} faults x steps ({len(PACKAGE_FAULTS)} package faults "
        f"x binary and pkgin, {len(SOURCE_FAULTS)} x source, pkgin-wrong-answer, "
        f"service-start-failure x "
        f"{len(ALL_SERVICES)} services) on {len(steps)} (path, step) pairs; "
        f"{len(CASES) - failing} survived, in {time.monotonic() - started:.0f} s"
    )
    return results


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_fault(outcomes, case):
    result = outcomes.get(case)
    if isinstance(result, BaseException):
        raise result
    assert result, f"{case} did not run (an earlier service in the chain failed)"
