"""The alias directory belongs to the alias user (issue 12, cases 2 and 3): what is in
it is read and written by the safe rules, so a link or hard link planted there reaches
nothing outside.

The hard links to /etc/master.passwd are laid as root: Linux's protected_hardlinks
forbids them to the user, NetBSD allows them, so they are a fair trap."""

from __future__ import annotations

import json
import os
import time

import pytest

from tests.e2e.cli import ROOT, profile_for
from tests.security import trap

ALIAS = "/usr/pkg/etc/qmail/alias"
DEFAULT = str(ROOT / "profiles" / "default.yaml")
QUEUE = ("/var/qmail/queue",)


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    with trap.installed_with_secret(tmp_path_factory.mktemp("aliasdir") / "box") as installed:
        yield installed


@pytest.fixture
def abuse_profile(tmp_path) -> str:
    """The default profile with one more alias, abuse."""
    return profile_for(
        tmp_path,
        "default.yaml",
        **{"    mailer-daemon: admin\n": "    mailer-daemon: admin\n    abuse: admin\n"},
    )


def as_alias(box, script: str):
    """``script`` as the alias user, who owns the alias directory."""
    fields = next(
        line.split(":")
        for line in box.read("/etc/passwd").splitlines()
        if line.startswith("alias:")
    )
    done = trap.as_user(box, script, uid=int(fields[2]), gid=int(fields[3]))
    assert done.returncode == 0, done.stderr
    return done


def test_probe_does_not_read_a_qmail_root_link(box):
    saved = box.read(f"{ALIAS}/.qmail-root")
    as_alias(box, f"rm -f {ALIAS}/.qmail-root && ln -s /etc/master.passwd {ALIAS}/.qmail-root")
    refused = f"{ALIAS}/.qmail-root is a symbolic link to /etc/master.passwd: not followed"
    before = trap.snapshot(box)
    try:
        planned = trap.wizard(box, "plan", DEFAULT)
        assert (
            f"{refused}; apply refuses to write it: remove it (rm {ALIAS}/.qmail-root)"
            in planned.stdout
        )
        checked = trap.wizard(box, "verify", "--format", "json", timeout=90)
        check = {c["id"]: c for c in json.loads(checked.stdout)}["alias-root"]
        assert not check["ok"] and check["detail"].startswith(refused)
        shown = trap.wizard(box, "status", timeout=60)
        probed = trap.wizard(box, "probe", timeout=60)
        for done in (planned, checked, shown, probed):
            assert trap.HASH not in done.stdout + done.stderr and "::0:0:" not in done.stdout
        assert trap.changed(before, trap.snapshot(box), allowed=QUEUE) == []
    finally:
        box.sh(f"rm -f {ALIAS}/.qmail-root")
        box.path(f"{ALIAS}/.qmail-root").write_text(saved)


def test_apply_refuses_to_write_through_a_qmail_abuse_link(box, abuse_profile):
    as_alias(box, f"ln -s /etc/rc.conf {ALIAS}/.qmail-abuse")
    before = trap.snapshot(box)
    try:
        started = time.monotonic()
        applied = trap.wizard(box, "apply", abuse_profile, "--yes")
        assert applied.returncode == 1
        assert f"{ALIAS}/.qmail-abuse is a symbolic link to /etc/rc.conf: not" in applied.stderr
        assert os.readlink(box.path(f"{ALIAS}/.qmail-abuse")) == "/etc/rc.conf"
        assert trap.changed(before, trap.snapshot(box), allowed=QUEUE) == []
        print(f".qmail-abuse link: {time.monotonic() - started:.1f} s")
    finally:
        box.sh(f"rm -f {ALIAS}/.qmail-abuse")


def test_old_predictable_temp_names_lead_nowhere(box, abuse_profile):
    """The old writer's temp file was ``..qmail-abuse.qw-tmp-PID``: planted for the
    next few thousand pids as hard links to master.passwd, none is opened or removed."""
    with open("/proc/sys/kernel/ns_last_pid") as fh, open("/proc/sys/kernel/pid_max") as mx:
        last, top = int(fh.read()), int(mx.read())
    pids = sorted({300 + (last - 300 + n) % (top - 300) for n in range(1, 3001)})
    master = box.path("/etc/master.passwd")
    for pid in pids:  # as root, see above
        os.link(master, box.path(f"{ALIAS}/..qmail-abuse.qw-tmp-{pid}"))
    before = trap.snapshot(box)
    try:
        started = time.monotonic()
        applied = trap.wizard(box, "apply", abuse_profile, "--yes")
        assert applied.returncode == 0, applied.stderr[-2000:]
        abuse = box.path(f"{ALIAS}/.qmail-abuse")
        assert abuse.read_text() == "&admin\n" and os.stat(abuse).st_nlink == 1
        assert os.stat(master).st_nlink == len(pids) + 1  # every link still there
        assert (
            trap.changed(before, trap.snapshot(box), allowed=QUEUE + (f"{ALIAS}/.qmail-abuse",))
            == []
        )
        print(f"{len(pids)} planted temp names: {time.monotonic() - started:.1f} s")
    finally:
        box.sh(f"rm -f {ALIAS}/..qmail-abuse.qw-tmp-* {ALIAS}/.qmail-abuse")
