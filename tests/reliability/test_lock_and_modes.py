"""Issue 7: one run at a time, a stale lock recovers, and what the wizard writes has the
owners and modes qmail and NetBSD expect, with nothing secret in its records.

One 2017Q1 host goes through it all (a sandbox per stage would triple the time):
apply A is slowed down in its package download; apply B, started meanwhile, is refused
naming A (pid, start time); A is SIGKILLed, leaving its lock; apply C clears the stale
lock and installs profiles/default.yaml.  Every run has a fake secret in its environment.
"""

from __future__ import annotations

import json
import os
import stat
import time

import pytest

from tests.e2e.cli import ROOT, start, wizard
from tests.reliability.matrix import kill_all, no_orphans
from tui.backend.hosts import SandboxHost
from tui.backend.lock import HOLDER, LOCK_DIR
from tui.sandbox.handle import Sandbox

DEFAULT = str(ROOT / "profiles" / "default.yaml")
SYSCONF = "/usr/pkg/etc/qmail"
SECRET = "hunter2-s3cr3t-7f1c9a"
#: a fake credential in the environment of every run: no record may keep it
SECRET_ENV = {
    "QMAIL_WIZARD_TEST_PASSWORD": SECRET,
    "AWS_SECRET_ACCESS_KEY": SECRET,
    "PKG_PATH_PASSWORD": SECRET,
}


def run_env() -> dict:
    return {**os.environ, **SECRET_ENV}


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    """The host after A (killed), B (refused) and C (finished); and what they said."""
    box = Sandbox.create(tmp_path_factory.mktemp("lock") / "sb", pace=0.02)
    seen: dict = {}
    try:
        # A's qmail download takes 600 s * pace 0.02 = 12 s, once (C downloads at speed)
        box.paths.faults_file.write_text(
            "faults:\n  - {kind: slow-download, package: qmail, seconds: 600, times: 1}\n"
        )
        a = start(box, "apply", DEFAULT, "--yes", "-v", env=run_env())  # -v: pkg_add's lines
        try:
            for line in a.stderr:  # A holds the lock from before its first step
                if "pkg_add -v qmail-run | " in line:
                    break
            seen["holder"] = json.loads(box.read(HOLDER))
            seen["a_pid"] = a.pid
            seen["b"] = wizard(box, "apply", DEFAULT, "--yes", env=run_env())
            seen["a_running"] = a.poll() is None
        finally:
            kill_all(a.pid)  # with its pkg_add, which runs in a session of its own
            a.wait(timeout=60)
            a.stderr.close()
        no_orphans(box)
        seen["stale"] = box.path(HOLDER).exists()
        seen["c"] = wizard(box, "apply", DEFAULT, "--yes", env=run_env())
        yield box, seen
    finally:
        box.kill()


def test_second_apply_is_refused_naming_the_holder(host):
    _box, seen = host
    b, holder = seen["b"], seen["holder"]
    assert seen["a_running"], "A finished before B tried: the race was not tested"
    assert holder["pid"] == seen["a_pid"]
    assert b.returncode == 1, b.stdout + b.stderr
    assert "Traceback" not in b.stderr
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(holder["started"]))
    assert b.stderr.startswith(
        f"qmail-wizard: another qmail-wizard run holds {LOCK_DIR}: "
        f"pid {seen['a_pid']} on {holder['machine']}, "
        f"started {started}; wait for it to finish"
    ), b.stderr


def test_stale_lock_of_a_killed_run_is_cleared_and_the_next_apply_succeeds(host):
    box, seen = host
    assert seen["stale"], "the SIGKILLed run left no lock behind"
    c = seen["c"]
    assert c.returncode == 0, c.stderr[-3000:]
    assert "did not finish (running); this is a new run" in c.stderr
    assert (
        f"note: cleared the stale lock of a run that is gone (pid {seen['a_pid']} "
        f"on {seen['holder']['machine']}"
    ) in c.stderr
    assert not box.path(LOCK_DIR).exists()  # C released its own lock
    assert wizard(box, "plan", DEFAULT).returncode == 0


def mode_owner(host: SandboxHost, path: str) -> tuple[str, str]:
    st = host.stat(path)
    return f"{stat.S_IMODE(st.mode):04o}", f"{st.owner}:{st.group}"


def tree(box, top: str) -> list[str]:
    """``top`` and every directory and file under it, by NetBSD path."""
    found = [top]
    for dirpath, dirs, files in os.walk(box.path(top)):
        here = top + dirpath[len(str(box.path(top))) :]
        found += [f"{here}/{name}" for name in dirs + files]
    return found


def test_modes_and_owners_of_what_the_wizard_wrote(host):
    box, _ = host
    inside = SandboxHost(box.paths.base)
    want = {
        # qmail's hier.c: control root:qmail 0755, alias alias:qmail 02755 (qmail-lspawn
        # delivers as the owner of ~alias); files in them root-owned, readable by the
        # daemons (qmaild reads rcpthosts), writable by root only (qmail-local refuses
        # a group- or world-writable .qmail), in root's group, as pkgsrc installs them
        f"{SYSCONF}/control": ("0755", "root:qmail"),
        f"{SYSCONF}/alias": ("2755", "alias:qmail"),
        f"{SYSCONF}/tcp.smtp": ("0644", "root:wheel"),
        f"{SYSCONF}/tcp.smtp.cdb": ("0644", "root:wheel"),
        "/etc/rc.conf": ("0644", "root:wheel"),
        "/etc/mailer.conf": ("0644", "root:wheel"),
        "/home/admin/Maildir": ("0700", "admin:users"),
    }
    control, aliases = (
        sorted(f"{SYSCONF}/{d}/{p.name}" for p in box.path(f"{SYSCONF}/{d}").iterdir())
        for d in ("control", "alias")
    )
    assert {
        f"{SYSCONF}/control/{n}" for n in ("me", "rcpthosts", "locals", "defaultdelivery")
    } <= set(control)
    assert {f"{SYSCONF}/alias/.qmail-{n}" for n in ("root", "postmaster", "mailer-daemon")} <= set(
        aliases
    )
    # (group wheel as pkgsrc installs them, or qmail as NetBSD gives a file created in
    # a qmail-group directory: either is read-only to the group)
    want.update(
        {
            p: ("0644", "root:qmail" if mode_owner(inside, p)[1] == "root:qmail" else "root:wheel")
            for p in control + aliases
        }
    )
    for sub in ("cur", "new", "tmp"):
        want[f"/home/admin/Maildir/{sub}"] = ("0700", "admin:users")
    # backups, logs and the journal: root only (they hold copies of configuration)
    for top in ("/var/backups/qmail-wizard", "/var/log/qmail-wizard", "/var/db/qmail-wizard"):
        for path in tree(box, top):
            is_dir = box.path(path).is_dir()
            want[path] = ("0700" if is_dir else "0600", "root:wheel")
    got = {path: mode_owner(inside, path) for path in want}
    wrong = {p: f"{got[p]} (want {want[p]})" for p in want if got[p] != want[p]}
    assert not wrong, "\n".join(f"{p}: {w}" for p, w in sorted(wrong.items()))
    assert len(os.listdir(box.path("/var/log/qmail-wizard"))) == 2  # A's and C's


def edited(box) -> dict[str, tuple]:
    """Pre-existing file a run backed up -> ((mode, owner, group) before, now)."""
    inside = SandboxHost(box.paths.base)
    found = {}
    for run in os.listdir(box.path("/var/backups/qmail-wizard")):
        manifest = json.loads(box.read(f"/var/backups/qmail-wizard/{run}/MANIFEST"))
        for path, entry in manifest.items():
            if entry["existed"] and inside.exists(path):
                st = inside.stat(path)
                found[path] = (
                    (entry["mode"], *entry["owner"]),
                    (stat.S_IMODE(st.mode), st.owner, st.group),
                )
    assert len(found) >= 8
    return found


def test_edited_files_keep_their_mode_and_owner(host):
    box, _ = host
    changed = {p: (b, a) for p, (b, a) in edited(box).items() if b[:2] != a[:2]}
    assert not changed


def test_edited_files_keep_their_group(host):
    box, _ = host
    changed = {p: (b, a) for p, (b, a) in edited(box).items() if b != a}
    assert not changed


def test_no_record_keeps_a_secret(host):
    """The runs had a fake password in their environment: no log, journal, backup or
    other file on the host holds it (commands get a clean environment)."""
    box, seen = host
    assert SECRET not in seen["b"].stderr + seen["c"].stderr + seen["c"].stdout
    holding = []
    for dirpath, dirs, files in os.walk(box.paths.root):
        dirs[:] = [
            d for d in dirs if not (dirpath == str(box.paths.root) and d in ("proc", "dev", "sys"))
        ]
        for name in files:
            full = os.path.join(dirpath, name)
            if os.path.isfile(full) and not os.path.islink(full):
                with open(full, "rb") as fh:
                    if SECRET.encode() in fh.read():
                        holding.append(full)
    assert not holding
    log = box.read(f"/var/log/qmail-wizard/{box.read('/var/db/qmail-wizard/last-run').strip()}.log")
    assert "PKG_RCD_SCRIPTS=YES" in log  # the env a command is given is logged...
    assert "PASSWORD" not in log and "AWS_" not in log  # ...and only that
