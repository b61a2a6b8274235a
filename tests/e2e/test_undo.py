"""Issue 3: after a full default apply, `undo` restores every file the run wrote byte
for byte and prints each path it restored.  Issue 15: it also puts the services back
as the run found them (postfix running and enabled, qmail stopped and disabled),
names the run, its files and the pkg_delete command before asking, and picks the
newest run that changed something.

Undo puts back the run's own writes, not the packages: a file the qmail package
created and the run then edited (control/locals, the placeholder aliases) goes back
to the package's content; a file the run created is deleted; a file that was on the
fresh host is as it was, mode and owner included.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.e2e.cli import ROOT, wizard
from tests.e2e.test_faults import (
    DELIVERED,
    RUNTIME,
    assert_backed_up,
    changed_paths,
    last_run,
    manifest,
    packages_alone,
    snapshot,
)

DEFAULT = str(ROOT / "profiles" / "default.yaml")
POSTFIX_PID = "/var/spool/postfix/pid/master.pid"


def ownership(box, path: str) -> tuple[int, int, int]:
    st = os.stat(box.path(path))
    return st.st_mode, st.st_uid, st.st_gid


@pytest.mark.slow
def test_undo_restores_every_file_the_run_wrote(make_sandbox, flavor):
    effect = packages_alone(make_sandbox(flavor, name="packages"))
    pkg_after = effect[1]
    by_packages = changed_paths(*effect)
    box = make_sandbox(flavor)
    fresh = snapshot(box.paths.root)
    owned = {p: ownership(box, p) for p, data in fresh.items() if isinstance(data, bytes)}

    applied = wizard(box, "apply", DEFAULT, "--yes")
    assert applied.returncode == 0, applied.stderr[-3000:]
    run_id = last_run(box)
    assert_backed_up(box, run_id, fresh, snapshot(box.paths.root), effect)
    written = manifest(box, run_id)
    assert {"/etc/rc.conf", "/etc/mailer.conf"} <= written.keys()

    undone = wizard(box, "undo", "--yes")
    assert undone.returncode == 0, undone.stderr
    restored_lines = [line for line in undone.stdout.splitlines() if line.startswith("restored ")]
    assert restored_lines == [f"restored {p}" for p in sorted(written)]
    restored = snapshot(box.paths.root)
    for path in written:
        expected = fresh[path] if path in fresh else pkg_after.get(path)
        assert restored.get(path) == expected, path
    for path in written.keys() & owned.keys():
        assert ownership(box, path) == owned[path], path
    left = sorted(
        p
        for p in changed_paths(fresh, restored)
        if p not in by_packages
        and not p.startswith(RUNTIME + (POSTFIX_PID,))
        and not DELIVERED.match(p)
    )  # undo leaves mail where it was delivered; postfix runs again, with a new pid
    assert not left, f"still differ from the fresh host after undo: {left}"


def services(box) -> dict[str, dict]:
    shown = wizard(box, "status", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    return {s["name"]: s for s in json.loads(shown.stdout)["services"]}


def packages(box) -> set[str]:
    listed = box.exec(["pkg_info"])
    assert listed.returncode == 0, listed.stderr
    return {line.split()[0] for line in listed.stdout.splitlines() if line.strip()}


@pytest.mark.slow
def test_undo_of_an_install_puts_postfix_back_and_stops_qmail(make_sandbox):
    box = make_sandbox("2017Q1")
    fresh = services(box)
    assert fresh["postfix"]["running"] and fresh["postfix"]["enabled"]
    mailer_conf = box.path("/etc/mailer.conf").read_bytes()
    rc_conf = box.path("/etc/rc.conf").read_bytes()
    before = packages(box)
    applied = wizard(box, "apply", DEFAULT, "--yes")
    assert applied.returncode == 0, applied.stderr[-3000:]
    run_id = last_run(box)
    again = wizard(box, "apply", DEFAULT, "--yes")  # a no-op run: undo passes it by
    assert again.returncode == 0, again.stderr[-3000:]
    assert last_run(box) != run_id
    added = packages(box) - before
    assert {p.rpartition("-")[0] for p in added} >= {"qmail", "qmail-run"}

    asked = wizard(box, "undo")  # no terminal: the confirmation, then a refusal
    assert asked.returncode == 1
    shown = asked.stdout
    assert (
        shown.startswith(f"Undo run {run_id}, started ")
        and "(the newest run that changed this host)" in shown.splitlines()[0]
    )
    for path in ("/etc/rc.conf", "/etc/mailer.conf", "/usr/pkg/etc/qmail/control/rcpthosts"):
        assert f"\n    {path}\n" in shown, path
    assert "first stop qmailqread, qmailsmtpd, qmailsend (the run started them)" in shown
    assert "then start postfix (the run stopped it" in shown
    command = next(
        line.split(": ", 1)[1]
        for line in shown.splitlines()
        if "to remove them after the undo: pkg_delete " in line
    )
    assert command.split()[0] == "pkg_delete" and set(command.split()[1:]) == added
    assert asked.stderr == (
        f"qmail-wizard: undo changes the host: confirm with 'qmail-wizard undo --run "
        f"{run_id} --yes'.\n"
    )
    assert services(box)["qmailsend"]["running"]  # nothing changed yet

    undone = wizard(box, "undo", "--yes")
    assert undone.returncode == 0, undone.stderr
    lines = undone.stdout.splitlines()
    tail = ["stopped qmailqread", "stopped qmailsmtpd", "stopped qmailsend", "started postfix"]
    assert lines[-5:-1] == tail
    assert lines[-1] == f"Undid run {run_id}. The packages stay; to remove them: {command}"
    now = services(box)
    assert now["postfix"]["running"] and now["postfix"]["enabled"], now["postfix"]
    assert now["postfix"]["pids"] and "0.0.0.0:25" in now["postfix"]["listen"], now["postfix"]
    assert box.exec(["/etc/rc.d/postfix", "status"]).returncode == 0  # its master runs
    for name in ("qmailsend", "qmailsmtpd", "qmailqread", "qmailpop3d", "qmailofmipd"):
        assert not now[name]["running"] and not now[name]["enabled"], now[name]
    assert box.path("/etc/rc.conf").read_bytes() == rc_conf
    assert box.path("/etc/mailer.conf").read_bytes() == mailer_conf

    removed = box.exec(command.split())  # the command undo named removes what stayed
    assert removed.returncode == 0, removed.stderr
    assert packages(box) == before
