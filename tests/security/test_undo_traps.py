"""undo against a hostile local user (issue 12, points 3 and 7): it restores only the
paths its run recorded, never through a link, never from outside the backups, and a
running apply makes it stop cleanly."""

from __future__ import annotations

import json
import subprocess
import time

from tests.e2e.cli import ROOT, start
from tests.polling import wait_for
from tests.security import trap

DEFAULT = str(ROOT / "profiles" / "default.yaml")
ALIAS_DIR = "/usr/pkg/etc/qmail/alias"
QMAIL_ROOT = f"{ALIAS_DIR}/.qmail-root"
ALIAS_UID, QMAIL_GID = 1001, 1000  # alias:qmail, who own the alias directory
FORMAT = "YYYYmmddTHHMMSSZ, e.g. 20170406T120000Z, or with -2, -3... after it"


def installed(make_sandbox, **kwargs):
    box = make_sandbox(**kwargs)
    applied = trap.wizard(box, "apply", DEFAULT, "--yes")
    assert applied.returncode == 0, applied.stderr[-3000:]
    return box


def test_undo_run_id_outside_the_backups_is_refused_before_reading(make_sandbox):
    box = installed(make_sandbox)
    # the admin user lays a MANIFEST of their own that would put their rc.conf in place
    laid = trap.as_user(
        box,
        "mkdir -p /home/admin/evil/etc && "
        "echo 'sshd=YES # mine' > /home/admin/evil/etc/rc.conf && "
        'printf \'%s\' \'{"/etc/rc.conf": {"existed": true, "mode": 420, '
        '"owner": ["root", "wheel"], "ids": [0, 0]}}\' '
        "> /home/admin/evil/MANIFEST",
    )
    assert laid.returncode == 0, laid.stderr
    before = trap.snapshot(box)
    for run in ("../../..", "../../../home/admin/evil", "20170406T120000Z/../../../x"):
        done = trap.wizard(box, "undo", "--run", run, "--yes")
        assert done.returncode == 1
        assert done.stdout == ""
        assert done.stderr == (
            f"qmail-wizard: cannot undo: {run!r} is not a run id: run ids look like "
            f"{FORMAT} (the runs are the directories under /var/backups/qmail-wizard/). "
            "Nothing was read or restored.\n"
        )
    assert trap.changed(before, trap.snapshot(box)) == []


def test_undo_refuses_a_qmail_root_that_became_a_symlink(make_sandbox):
    box = installed(make_sandbox)
    rc_conf = box.path("/etc/rc.conf").read_bytes()
    before = trap.snapshot(box)
    # the alias user owns the alias directory: they swap .qmail-root for a symlink
    laid = trap.as_user(
        box, f"rm -f {QMAIL_ROOT} && ln -s /etc/rc.conf {QMAIL_ROOT}", uid=ALIAS_UID, gid=QMAIL_GID
    )
    assert laid.returncode == 0, laid.stderr
    done = trap.wizard(box, "undo", "--yes")
    assert done.returncode == 1
    assert "restored " not in done.stdout  # the confirmation text only
    assert done.stderr == (
        f"qmail-wizard: undo refused: {QMAIL_ROOT} is a symbolic link to /etc/rc.conf: "
        "not written; nothing was restored. Put a regular file there (or remove what is "
        "there), then undo again\n"
    )
    assert box.path("/etc/rc.conf").read_bytes() == rc_conf
    assert trap.changed(before, trap.snapshot(box)) == [QMAIL_ROOT]  # the trap only


def test_undo_refuses_a_qmail_root_hard_linked_to_master_passwd(make_sandbox):
    box = installed(make_sandbox)
    before = trap.snapshot(box)
    # laid as root: Linux's protected_hardlinks forbids it to the alias user, NetBSD not
    laid = box.exec(["sh", "-c", f"rm -f {QMAIL_ROOT} && ln /etc/master.passwd {QMAIL_ROOT}"])
    assert laid.returncode == 0, laid.stderr
    done = trap.wizard(box, "undo", "--yes")
    assert done.returncode == 1
    assert done.stderr == (
        f"qmail-wizard: undo refused: {QMAIL_ROOT} has 2 hard links: not written; nothing "
        "was restored. Put a regular file there (or remove what is there), then undo "
        "again\n"
    )
    after = trap.snapshot(box)  # master.passwd: owner, mode and bytes as they were
    assert trap.changed(before, after) == [QMAIL_ROOT]
    assert after[QMAIL_ROOT] == before["/etc/master.passwd"]


def test_manifest_entry_pointing_outside_the_run_is_refused(make_sandbox):
    box = installed(make_sandbox)
    run_id = box.path("/var/db/qmail-wizard/last-run").read_text().strip()
    manifest = box.path(f"/var/backups/qmail-wizard/{run_id}/MANIFEST")
    entries = json.loads(manifest.read_text())
    # laid as root (the backups are root's, mode 0700): an entry whose copy lies outside
    entries["/etc/../../home/admin/.profile"] = {
        "existed": True,
        "mode": 420,
        "owner": ["root", "wheel"],
        "ids": [0, 0],
    }
    manifest.write_text(json.dumps(entries))
    before = trap.snapshot(box)
    done = trap.wizard(box, "undo", "--yes")
    assert done.returncode == 1
    assert done.stderr == (
        f"qmail-wizard: undo refused: /var/backups/qmail-wizard/{run_id}/MANIFEST is "
        "refused: its entry '/etc/../../home/admin/.profile' is not a normal absolute path "
        "(it would point outside the run's backups); nothing was restored\n"
    )
    assert trap.changed(before, trap.snapshot(box)) == []


def test_undo_while_an_apply_runs_names_the_holder(make_sandbox, tmp_path):
    """Issue 15: one line naming the running apply, exit 1, nothing changed."""
    box = make_sandbox(pace=0.5)  # a slow download: the apply holds the lock a while
    holder = box.path("/var/db/qmail-wizard/lock/holder")
    last = box.path("/var/db/qmail-wizard/last-run")
    apply = start(box, "apply", DEFAULT, "--yes", stdout=subprocess.PIPE)
    try:
        assert wait_for(
            lambda: holder.exists() and holder.read_text().endswith("\n") and last.exists(),
            timeout=60,
        ), "the apply never took the lock"
        run_id = last.read_text().strip()
        before = trap.snapshot(box)
        started = time.monotonic()
        done = trap.wizard(box, "undo", "--yes")
        changed = trap.changed(before, trap.snapshot(box))
        assert time.monotonic() - started < 60
        record = json.loads(holder.read_text())
        assert done.returncode == 1 and done.stdout == ""
        assert record["pid"] == apply.pid
        stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(record["started"]))
        assert done.stderr == (
            f"qmail-wizard: cannot undo now: apply run {run_id} is running: another "
            f"qmail-wizard run holds /var/db/qmail-wizard/lock: pid {apply.pid} on "
            f"{record['machine']}, started {stamp}; wait for it to finish. Nothing was "
            "changed.\n"
        )
        # the apply goes on meanwhile: whatever changed, changed under its own paths
        assert all(not p.startswith("/etc/") for p in changed), changed
        out, err = apply.communicate(timeout=trap.TIME_LIMIT * 3)
        assert apply.returncode == 0, err[-3000:]  # the apply went on undisturbed
        assert "Traceback" not in out + err
    finally:
        if apply.poll() is None:
            apply.kill()
            apply.wait()
