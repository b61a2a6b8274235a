"""Maildirs: nothing recursive runs as root, a missing Maildir is made as its user, and
links or others' files in a Maildir are reported, never "fixed" (issue 12, case 1).

Hard links to files the user does not own are laid as root: Linux's protected_hardlinks
forbids them to the user, NetBSD allows them, so they are a fair trap."""

from __future__ import annotations

import os
import time

import pytest

from tests.e2e.cli import ROOT, installed_sandbox
from tests.security import trap
from tui.backend.plan.maildirs import CHOWN_DIR

PROFILE = str(ROOT / "profiles" / "default.yaml")
HOME = "/home/admin"
MAILDIR = f"{HOME}/Maildir"


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    with installed_sandbox(tmp_path_factory.mktemp("maildir") / "box") as installed:
        yield installed


def owner(box, path: str) -> tuple[int, int, int]:
    st = os.lstat(box.path(path))
    return st.st_uid, st.st_gid, st.st_mode & 0o7777


def test_install_made_the_maildir_as_its_user(box):
    for path in (MAILDIR, f"{MAILDIR}/new", f"{MAILDIR}/cur", f"{MAILDIR}/tmp"):
        assert owner(box, path) == (1000, 100, 0o700), path
    log = "".join(p.read_text() for p in box.path("/var/log/qmail-wizard").glob("*.log"))
    assert "setuidgid admin maildirmake /home/admin/Maildir" in log
    assert "chown -R" not in log


def test_rc_subr_hard_link_and_new_symlink_are_reported_not_chowned(box):
    started = time.monotonic()
    # as root (see the module's docstring): /etc/rc.subr hard-linked into the Maildir,
    # and cur/ given to root, which a repair would once have fixed with chown -R
    box.sh(
        f"ln /etc/rc.subr {MAILDIR}/rc.subr && chown root:wheel {MAILDIR}/cur "
        f"&& touch {MAILDIR}/cur/roots-message"
    )
    laid = trap.as_user(box, f"mv {MAILDIR}/new {MAILDIR}/new.real && ln -s /etc {MAILDIR}/new")
    assert laid.returncode == 0, laid.stderr
    before = trap.snapshot(box)
    try:
        planned = trap.wizard(box, "plan", PROFILE)
        assert f"{MAILDIR}/new is a symbolic link: not followed or changed" in planned.stdout
        assert f"{MAILDIR}/rc.subr" in planned.stdout
        assert "never changes anything inside a Maildir" in planned.stdout
        assert "chown -R" not in planned.stdout

        applied = trap.wizard(box, "apply", PROFILE, "--yes")
        assert "chown -R" not in applied.stdout + applied.stderr
        # the one real directory root owned is given back, by itself
        assert owner(box, f"{MAILDIR}/cur")[:2] == (1000, 100)
        assert owner(box, f"{MAILDIR}/cur/roots-message")[:2] == (0, 0)
        assert owner(box, f"{MAILDIR}/rc.subr")[:2] == (0, 0)
        assert os.path.islink(box.path(f"{MAILDIR}/new"))
        assert trap.changed(before, trap.snapshot(box), allowed=("/var/qmail/queue",)) == []
    finally:
        box.sh(
            f"rm -f {MAILDIR}/rc.subr {MAILDIR}/new {MAILDIR}/cur/roots-message && "
            f"mv {MAILDIR}/new.real {MAILDIR}/new"
        )
    print(f"rc.subr/new trap: {time.monotonic() - started:.1f} s")


def test_maildir_itself_a_symlink_is_left_alone(box):
    laid = trap.as_user(box, f"mv {MAILDIR} {MAILDIR}.real && ln -s /etc {MAILDIR}")
    assert laid.returncode == 0, laid.stderr
    before = trap.snapshot(box)
    try:
        planned = trap.wizard(box, "plan", PROFILE)
        assert (
            f"{MAILDIR} is a symbolic link: qmail-wizard does not follow or change it"
            in planned.stdout
        )
        assert "Maildirs for existing users and /etc/skel: unchanged" in planned.stdout
        assert trap.changed(before, trap.snapshot(box)) == []
    finally:
        box.sh(f"rm -f {MAILDIR} && mv {MAILDIR}.real {MAILDIR}")


def test_the_repair_refuses_a_directory_swapped_for_a_link(box):
    """The race after the probe: cur/ was root's real directory when planned, and is a
    link to /etc when the repair runs."""
    laid = trap.as_user(box, f"mv {MAILDIR}/cur {MAILDIR}/cur.real && ln -s /etc {MAILDIR}/cur")
    assert laid.returncode == 0, laid.stderr
    before = trap.snapshot(box)
    try:
        done = box.exec(
            ["sh", "-c", CHOWN_DIR, "chown-dir", f"{MAILDIR}/cur", HOME, "admin:users"], timeout=30
        )
        assert done.returncode == 1
        assert done.stderr == (
            f"{MAILDIR}/cur is not a directory of its own at that path: not changed\n"
        )
        assert trap.changed(before, trap.snapshot(box)) == []
    finally:
        box.sh(f"rm -f {MAILDIR}/cur && mv {MAILDIR}/cur.real {MAILDIR}/cur")


def test_missing_subdirectories_are_made_as_the_user(box):
    """What a run killed inside maildirmake leaves: the Maildir without new and tmp."""
    assert trap.as_user(box, f"rm -rf {MAILDIR}/new {MAILDIR}/tmp").returncode == 0
    before = trap.snapshot(box)
    planned = trap.wizard(box, "plan", PROFILE)
    assert f"$ setuidgid admin mkdir -m 700 {MAILDIR}/new" in planned.stdout
    applied = trap.wizard(box, "apply", PROFILE, "--yes")
    assert applied.returncode == 0, applied.stderr[-2000:]
    for sub in ("new", "tmp"):
        assert owner(box, f"{MAILDIR}/{sub}") == (1000, 100, 0o700)
    assert trap.changed(before, trap.snapshot(box), allowed=("/var/qmail/queue",)) == []
