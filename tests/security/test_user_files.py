"""A user's ~/.qmail is read by the safe rules (issue 12, case 4): a FIFO hangs nothing,
a link to a root-only file prints none of its lines, and a line naming a directory
outside the home draws no suggestion to make a Maildir or chown there.

The hard link to /etc/master.passwd is laid as root: Linux's protected_hardlinks
forbids it to the user, NetBSD allows it, so it is a fair trap."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.cli import profile_for
from tests.security import trap
from tui.backend.lock import LOCK_DIR

QMAIL = "/home/admin/.qmail"
#: a password hash planted in the sandbox's master.passwd: it must never be shown
QUEUE = ("/var/qmail/queue",)  # test messages come and go


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    with trap.installed_with_secret(tmp_path_factory.mktemp("userfiles") / "box") as installed:
        yield installed


def delivery(box) -> dict:
    done = trap.wizard(box, "verify", "--format", "json", timeout=90)
    assert done.returncode == 1, done.stdout[-2000:]
    assert trap.HASH not in done.stdout + done.stderr
    return {c["id"]: c for c in json.loads(done.stdout)}["delivery"]


@pytest.mark.parametrize(
    "lay, why",
    [
        (
            lambda box: trap.as_user(box, f"ln -s /etc/master.passwd {QMAIL}"),
            f"{QMAIL} is a symbolic link to /etc/master.passwd: not read",
        ),
        (
            lambda box: box.sh(f"ln /etc/master.passwd {QMAIL}"),  # as root, see above
            f"{QMAIL} has 2 hard links: not read",
        ),
    ],
    ids=["symlink", "hard-link"],
)
def test_qmail_leading_to_master_passwd_is_not_read(box, lay, why):
    assert lay(box).returncode == 0
    before = trap.snapshot(box)
    try:
        started = time.monotonic()
        check = delivery(box)
        assert why.replace("not read", "not") in check["detail"], check
        assert "make /home/admin/.qmail a regular file of admin's" in check["fix"]
        text = trap.wizard(box, "verify", timeout=90)
        assert trap.HASH not in text.stdout + text.stderr
        assert "::0:0:" not in text.stdout  # no line of master.passwd at all
        assert trap.changed(before, trap.snapshot(box), allowed=QUEUE) == []
        print(f"{why}: {time.monotonic() - started:.1f} s")
    finally:
        box.sh(f"rm -f {QMAIL}")


def test_qmail_line_outside_the_home_draws_no_suggestion(box):
    assert trap.as_user(box, f"echo /etc/ > {QMAIL}").returncode == 0
    before = trap.snapshot(box)
    try:
        check = delivery(box)
        assert (
            f"{QMAIL} delivers to /etc, outside admin's home /home/admin: not checked"
            in check["detail"]
        )
        assert check["fix"] == (f"correct that line of {QMAIL} (a Maildir or mbox in /home/admin)")
        assert "maildirmake" not in check["fix"] and "chown" not in check["fix"]
        assert trap.changed(before, trap.snapshot(box), allowed=QUEUE) == []
    finally:
        box.sh(f"rm -f {QMAIL}")


def test_qmail_fifo_hangs_neither_verify_nor_apply(box, tmp_path):
    assert trap.as_user(box, f"mkfifo -m 644 {QMAIL}").returncode == 0
    # a profile with one more alias: apply changes something, so it sends the test
    # message and reads ~admin/.qmail to see where it lands
    profile = profile_for(
        tmp_path,
        "default.yaml",
        **{"    mailer-daemon: admin\n": "    mailer-daemon: admin\n    abuse: admin\n"},
    )
    before = trap.snapshot(box)
    try:
        started = time.monotonic()
        check = delivery(box)
        assert f"{QMAIL} is a FIFO: not read" in check["detail"]
        applied = trap.wizard(box, "apply", profile, "--yes")
        assert applied.returncode == 1
        assert f"{QMAIL} is a FIFO: not read" in applied.stderr
        assert not box.path(LOCK_DIR).exists()  # the lock was released
        assert (
            trap.changed(
                before,
                trap.snapshot(box),
                allowed=QUEUE + ("/usr/pkg/etc/qmail/alias/.qmail-abuse",),
            )
            == []
        )
        print(f"FIFO: {time.monotonic() - started:.1f} s")
    finally:
        # qmail-local (as admin) may wait on the FIFO: give it an empty line, then drop it
        box.sh(
            f"timeout 5 sh -c 'echo > {QMAIL}'; rm -f {QMAIL} /usr/pkg/etc/qmail/alias/.qmail-abuse"
        )
