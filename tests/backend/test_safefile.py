"""safefile on a plain directory tree standing in for a host root (no sandbox).

The tests run as root, as the wizard does; a hostile user's files are made by
chowning them to uid 1000 (their symlinks with lchown).
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import threading

import pytest

from tui.backend.hosts import HostError, safefile
from tui.backend.hosts.safefile import Refused, read_file, remove_stale_temps, write_file

USER, GROUP = 1000, 100


@pytest.fixture
def root(tmp_path):
    """A host root: /etc root's, /home/admin the user's (mode 0755, as NetBSD makes it)."""
    top = tmp_path / "root"
    (top / "etc").mkdir(parents=True)
    (top / "etc" / "master.passwd").write_text("root:$2a$secret:0:0::0:0:root:/root:/bin/sh\n")
    home = top / "home" / "admin"
    home.mkdir(parents=True)
    os.chown(home, USER, GROUP)
    return top


def users_file(path, text="x\n"):
    path.write_text(text)
    os.chown(path, USER, GROUP)
    return path


def users_link(target, path):
    os.symlink(target, path)
    os.lchown(path, USER, GROUP)
    return path


def snapshot(path):
    st = os.lstat(path)
    return path.read_bytes(), st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode), st.st_nlink


def within(seconds, fn):
    """fn() run in a thread that must finish within ``seconds`` (a FIFO must not block)."""
    outcome = {}

    def target():
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"did not return within {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


# -- reading -------------------------------------------------------------------------
def test_reads_a_users_regular_file(root):
    users_file(root / "home/admin/.qmail", "./Maildir/\n")
    assert read_file(str(root), "/home/admin/.qmail", owner=USER) == b"./Maildir/\n"


def test_symlink_is_not_followed(root):
    users_link("/etc/master.passwd", root / "home/admin/.qmail")
    with pytest.raises(
        Refused,
        match=r"^/home/admin/\.qmail is a symbolic link to "
        r"/etc/master\.passwd: not followed$",
    ):
        read_file(str(root), "/home/admin/.qmail", owner=USER)


def test_fifo_is_not_read_and_does_not_hang(root):
    fifo = root / "home/admin/.qmail"
    os.mkfifo(fifo)
    os.chown(fifo, USER, GROUP)
    with pytest.raises(Refused, match=r"^/home/admin/\.qmail is a FIFO: not read$"):
        within(5, lambda: read_file(str(root), "/home/admin/.qmail", owner=USER))


def test_hard_link_to_a_root_file_is_not_read(root):
    os.link(root / "etc/master.passwd", root / "home/admin/.qmail")
    with pytest.raises(Refused, match=r"^/home/admin/\.qmail has 2 hard links: not read$"):
        read_file(str(root), "/home/admin/.qmail", owner=USER)


def test_wrong_owner_is_not_read(root):
    (root / "home/admin/.qmail").write_text("root's\n")
    with pytest.raises(Refused, match=r"belongs to uid 0, not 1000: not read"):
        read_file(str(root), "/home/admin/.qmail", owner=USER)


def test_size_limit(root):
    users_file(root / "home/admin/.qmail", "a" * (64 * 1024 + 1))
    with pytest.raises(Refused, match=r"^/home/admin/\.qmail is larger than 64 KiB: not read$"):
        read_file(str(root), "/home/admin/.qmail", limit=64 * 1024)
    users_file(root / "home/admin/.qmail", "a" * (64 * 1024))
    assert len(read_file(str(root), "/home/admin/.qmail", limit=64 * 1024)) == 64 * 1024


def test_directory_is_not_read(root):
    with pytest.raises(Refused, match=r"^/home/admin is a directory: not read$"):
        read_file(str(root), "/home/admin")


def test_users_symlink_on_the_way_is_not_followed(root):
    users_link("/etc", root / "home/admin/sub")
    with pytest.raises(
        Refused,
        match=r"^/home/admin/sub is a symbolic link to /etc "
        r"that someone else controls: not followed$",
    ):
        read_file(str(root), "/home/admin/sub/master.passwd")


def test_roots_symlinks_are_followed_inside_the_root_only(root):
    (root / "var").mkdir()
    os.symlink("/../../../../etc", root / "var/escape")
    assert b"root:" in read_file(str(root), "/var/escape/master.passwd")
    os.symlink("/etc/master.passwd", root / "etc/passwd.link")
    assert b"root:" in read_file(str(root), "/etc/passwd.link", follow=True)
    with pytest.raises(
        Refused, match=re.escape("symbolic link to /etc/master.passwd: not followed")
    ):
        read_file(str(root), "/etc/passwd.link")


# -- writing -------------------------------------------------------------------------
def test_write_sets_owner_and_mode_on_the_descriptor(root):
    write_file(str(root), "/home/admin/.qmail", b"./Maildir/\n", mode=0o600, uid=USER, gid=GROUP)
    st = os.lstat(root / "home/admin/.qmail")
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (USER, GROUP, 0o600)
    assert (root / "home/admin/.qmail").read_bytes() == b"./Maildir/\n"
    assert [p.name for p in (root / "home/admin").iterdir()] == [".qmail"]


def test_destination_symlink_is_refused_naming_its_target(root):
    before = snapshot(root / "etc/master.passwd")
    users_link("/etc/master.passwd", root / "home/admin/.qmail-abuse")
    with pytest.raises(
        Refused,
        match=r"^/home/admin/\.qmail-abuse is a symbolic link to "
        r"/etc/master\.passwd: not written$",
    ):
        write_file(str(root), "/home/admin/.qmail-abuse", b"&root\n", mode=0o644, uid=0, gid=0)
    assert snapshot(root / "etc/master.passwd") == before
    assert os.readlink(root / "home/admin/.qmail-abuse") == "/etc/master.passwd"


def test_destination_with_two_links_is_refused(root):
    before = snapshot(root / "etc/master.passwd")
    os.link(root / "etc/master.passwd", root / "home/admin/.qmail-abuse")
    with pytest.raises(Refused, match=r"has 2 hard links: not written$"):
        write_file(str(root), "/home/admin/.qmail-abuse", b"&root\n", mode=0o644, uid=0, gid=0)
    assert snapshot(root / "etc/master.passwd")[:4] == before[:4]


def test_planted_temp_names_do_not_redirect_the_write(root, monkeypatch):
    """The old predictable temp name, and (forced) a collision with the random one,
    planted as hard links to master.passwd: the file they link to is unchanged."""
    before = snapshot(root / "etc/master.passwd")
    home = root / "home/admin"
    old = home / f"..qmail-abuse.qw-tmp-{os.getpid()}"
    os.link(root / "etc/master.passwd", old)
    write_file(str(root), "/home/admin/.qmail-abuse", b"&root\n", mode=0o644, uid=0, gid=0)
    assert (home / ".qmail-abuse").read_bytes() == b"&root\n"

    planted = f"..qmail-abuse.qw-tmp-{os.getpid()}-{'0' * 16}"
    os.link(root / "etc/master.passwd", home / planted)
    monkeypatch.setattr(safefile, "temp_name", lambda name: planted)
    with pytest.raises(
        HostError, match=re.escape("cannot write /home/admin/.qmail-abuse: File exists")
    ):
        write_file(str(root), "/home/admin/.qmail-abuse", b"&evil\n", mode=0o644, uid=0, gid=0)
    assert snapshot(root / "etc/master.passwd")[:4] == before[:4]
    assert (home / ".qmail-abuse").read_bytes() == b"&root\n"


def test_users_symlink_on_the_way_is_not_written_through(root):
    before = snapshot(root / "etc/master.passwd")
    users_link("/etc", root / "home/admin/sub")
    with pytest.raises(Refused, match="someone else controls: not followed"):
        write_file(str(root), "/home/admin/sub/master.passwd", b"x\n", mode=0o644, uid=0, gid=0)
    assert snapshot(root / "etc/master.passwd") == before


def test_absolute_symlinks_resolve_inside_the_root(root, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "var").mkdir()
    os.symlink(str(outside), root / "var/out")  # root's: followed, but inside the root
    with pytest.raises(HostError, match="does not exist"):
        write_file(str(root), "/var/out/file", b"x\n", mode=0o644, uid=0, gid=0)
    assert list(outside.iterdir()) == []


# -- the stale sweep -----------------------------------------------------------------
def test_stale_sweep_removes_only_dead_writers_regular_files(root, tmp_path):
    gone = subprocess.Popen(["true"])
    gone.wait()
    etc = root / "etc"
    dead = etc / f".rc.conf.qw-tmp-{gone.pid}-{'a' * 16}"
    dead_old = etc / f".rc.conf.qw-tmp-{gone.pid}"
    live = etc / f".rc.conf.qw-tmp-{os.getppid()}-{'b' * 16}"
    other = etc / f".myname.qw-tmp-{gone.pid}-{'c' * 16}"
    for path in (dead, dead_old, live, other):
        path.write_text("half written\n")
    victim = tmp_path / "victim"
    victim.write_text("keep\n")
    link = etc / f".rc.conf.qw-tmp-{gone.pid}-{'d' * 16}"
    os.symlink(victim, link)
    linked = etc / f".rc.conf.qw-tmp-{gone.pid}-{'e' * 16}"
    os.link(etc / "master.passwd", linked)
    fd = os.open(etc, os.O_RDONLY | os.O_DIRECTORY)
    try:
        remove_stale_temps(fd, "rc.conf")
    finally:
        os.close(fd)
    assert not dead.exists() and not dead_old.exists()
    assert live.exists() and other.exists()
    assert link.is_symlink() and victim.read_text() == "keep\n"
    assert linked.exists() and (etc / "master.passwd").exists()


def test_errors_on_the_way_are_host_errors_naming_the_path(root, tmp_path):
    (root / "etc" / "plain").write_text("x\n")
    with pytest.raises(HostError, match=r"cannot read /etc/plain/x: /etc/plain is a regular"):
        read_file(str(root), "/etc/plain/x")
    with pytest.raises(HostError, match=r"cannot write /x: .*No such file"):
        write_file(str(tmp_path / "gone"), "/x", b"", mode=0o644, uid=0, gid=0)
    with pytest.raises(HostError, match="host paths are absolute"):
        read_file(str(root), "etc/plain")
