"""SandboxHost against a fresh sandbox: commands, files through symlinks, processes."""

from __future__ import annotations

import dataclasses
import os
import re
import stat
import subprocess

import pytest

from tui.backend import written
from tui.backend.hosts import HostError, LocalHost, SandboxHost, procfs, procview

#: a command run as the sandbox's ordinary user admin (uid 1000, gid 100)
AS_ADMIN = ["setpriv", "--reuid", "1000", "--regid", "100", "--clear-groups", "sh", "-c"]


@pytest.fixture
def host(make_sandbox):
    return SandboxHost(make_sandbox().paths.base)


def test_run_passes_status_and_output(host):
    result = host.run(["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert (result.rc, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert host.run(["uname", "-s"]).stdout == "NetBSD\n"


def test_run_refuses_shell_strings(host):
    with pytest.raises(TypeError):
        host.run("uname -s")


def test_missing_command_is_127(host):
    result = host.run(["no-such-tool"])
    assert result.rc == 127
    assert "no-such-tool: not found" in result.stderr


def test_write_is_atomic_with_mode_and_owner(host):
    host.write("/home/admin/note", "hello\n", mode=0o600, owner=("admin", "users"))
    st = host.stat("/home/admin/note")
    assert (stat.S_IMODE(st.mode), st.owner, st.group, st.uid) == (0o600, "admin", "users", 1000)
    inside = host.run(["ls", "-ln", "/home/admin/note"]).stdout.split()
    assert inside[2:4] == ["1000", "100"]
    assert host.read_text("/home/admin/note") == "hello\n"
    assert not [n for n in host.listdir("/home/admin") if "qw-tmp" in n]


def test_write_removes_the_temp_copy_a_killed_writer_left(host):
    """A writer killed between its temp file and the rename leaves .NAME.qw-tmp-PID-RANDOM;
    the next write of NAME removes it once that pid is gone, not while it runs."""
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = host.resolve(f"/etc/.rc.conf.qw-tmp-{gone.pid}-0123456789abcdef")
    live = host.resolve(f"/etc/.rc.conf.qw-tmp-{os.getppid()}-0123456789abcdef")
    other = host.resolve(f"/etc/.myname.qw-tmp-{gone.pid}-0123456789abcdef")
    for path in (dead, live, other):
        path.write_text("half written\n")
    host.write("/etc/rc.conf", host.read_text("/etc/rc.conf"))
    assert not dead.exists()
    assert live.exists() and other.exists()  # a running writer's; another file's


def test_unknown_owner_is_refused_and_nothing_written(host):
    with pytest.raises(HostError, match="user 'nobody2' does not exist"):
        host.write("/etc/x", "data", owner=("nobody2", "wheel"))
    assert not host.exists("/etc/x")


def test_paths_resolve_symlinks_inside_the_root(host):
    host.run(["mkdir", "-p", "/usr/pkg/etc/qmail/control"])
    host.run(["ln", "-s", "/usr/pkg/etc/qmail/control", "/var/control"])
    host.write("/var/control/me", "mail.example.org\n")
    assert host.run(["cat", "/usr/pkg/etc/qmail/control/me"]).stdout == "mail.example.org\n"
    host.run(["ln", "-s", "/../../../../etc", "/var/escape"])
    assert host.resolve("/var/escape/passwd") == host.root / "etc" / "passwd"
    assert "admin:" in host.read_text("/var/escape/passwd")


def test_a_symlink_planted_inside_never_leads_a_write_outside(host, tmp_path):
    """A user's symlink (to the machine's /etc, or to the sandbox's own rc.conf) is
    refused, named with its target; nothing outside the sandbox root changes."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim").write_text("keep\n")
    rc_conf = host.read("/etc/rc.conf")
    host.run(AS_ADMIN + [f"ln -s {outside} /home/admin/out"])
    host.run(AS_ADMIN + ["ln -s /etc/rc.conf /home/admin/.qmail-abuse"])
    with pytest.raises(
        HostError,
        match=f"/home/admin/out is a symbolic link to {outside} "
        "that someone else controls: not followed",
    ):
        host.write("/home/admin/out/victim", "owned\n")
    with pytest.raises(
        HostError,
        match=r"/home/admin/.qmail-abuse is a symbolic link to "
        r"/etc/rc.conf: not written",
    ):
        host.write("/home/admin/.qmail-abuse", "&root\n")
    assert (outside / "victim").read_text() == "keep\n"
    assert sorted(p.name for p in outside.iterdir()) == ["victim"]
    assert host.read("/etc/rc.conf") == rc_conf


def test_read_user_file_refuses_what_is_not_the_users_plain_file(host):
    host.run(AS_ADMIN + ["printf './Maildir/\\n' > /home/admin/.qmail"])
    assert host.read_user_file("/home/admin/.qmail", owner="admin") == b"./Maildir/\n"
    with pytest.raises(HostError, match="belongs to uid 1000, not 0: not read"):
        host.read_user_file("/home/admin/.qmail", owner="root")
    host.run(AS_ADMIN + ["ln -s /etc/master.passwd /home/admin/.qmail-x"])
    with pytest.raises(
        HostError, match=re.escape("symbolic link to /etc/master.passwd: not followed")
    ):
        host.read_user_file("/home/admin/.qmail-x", owner="admin")


def test_processes_are_the_sandboxs_own(host):
    host.run(["sh", "-c", "exec sleep 120 >/dev/null 2>&1 &"])
    procs = host.processes()
    sleeps = [p for p in procs if p.name == "sleep"]
    assert len(sleeps) == 1
    inside_pid = host.run(["sh", "-c", "pgrep -x sleep"]).stdout.split()
    assert [str(sleeps[0].pid)] == inside_pid
    assert sleeps[0].user == "root"
    local_pids = {p.pid for p in LocalHost().processes()}
    assert sleeps[0].machine_pid in local_pids
    assert sleeps[0].pid != sleeps[0].machine_pid


def test_procfs_reads_this_process_as_psutil_does_and_skips_gone_ones():
    """hosts/procfs.py (the sandbox's processes without psutil) on this machine's own
    /proc: the test process as psutil sees it; a pid that is gone is left out."""
    me = os.getpid()
    seen = procfs.snapshot([me, 2**22 + 1], str)
    want = procview.snapshot([me], str)
    assert len(seen) == 1 and len(want) == 1
    assert dataclasses.replace(seen[0], cpu_time=0, rss_bytes=0, status="") == (
        dataclasses.replace(want[0], cpu_time=0, rss_bytes=0, status="")
    )
    assert seen[0].status in procfs.STATES.values() and seen[0].name


def test_tidying_the_drift_record_sweeps_a_killed_writers_temp_copy(make_sandbox):
    """A run killed while writing written.json leaves .written.json.qw-tmp-PID-RANDOM;
    a resumed run that has no file left to record tidies the record (apply's runner):
    the same bytes written again, the temp copy swept."""
    box = make_sandbox()
    host = SandboxHost(box.paths.base)
    written.remember(host, {"/etc/myname": "mail.example.org\n"}, "run1")
    before = host.read(written.WRITTEN)
    gone = subprocess.Popen(["true"])
    gone.wait()
    stale = box.path(written.WRITTEN).parent / f".written.json.qw-tmp-{gone.pid}-{'a' * 16}"
    stale.write_text("half written\n")
    written.tidy(host)
    assert not stale.exists()
    assert host.read(written.WRITTEN) == before
