"""SandboxHost against a fresh sandbox: commands, files through symlinks, processes."""
from __future__ import annotations

import os
import stat
import subprocess

import pytest

from tui.backend.hosts import HostError, LocalHost, SandboxHost


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
    """A writer killed between its temp file and the rename leaves .NAME.qw-tmp-PID;
    the next write of NAME removes it once that pid is gone, not while it runs."""
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = host.resolve(f"/etc/.rc.conf.qw-tmp-{gone.pid}")
    live = host.resolve(f"/etc/.rc.conf.qw-tmp-{os.getppid()}")
    other = host.resolve(f"/etc/.myname.qw-tmp-{gone.pid}")
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
    assert host.resolve("/var/escape/passwd") == host.paths.root / "etc" / "passwd"
    assert "admin:" in host.read_text("/var/escape/passwd")


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
