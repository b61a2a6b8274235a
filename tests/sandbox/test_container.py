"""The container itself: NetBSD paths inside, commands pass status, stop leaves nothing."""

from __future__ import annotations

import psutil


def test_uname_and_hostname(sandbox):
    assert sandbox.exec(["uname", "-s"]).stdout == "NetBSD\n"
    release = "7.1" if sandbox.config["flavor"] == "2017Q1" else "9.0"
    assert sandbox.exec(["uname", "-r"]).stdout == f"{release}\n"
    assert sandbox.exec(["uname", "-m"]).stdout == "amd64\n"
    assert sandbox.exec(["hostname"]).stdout == "mail.example.org\n"


def test_exit_status_passes_through(make_sandbox):
    box = make_sandbox()
    assert box.sh("exit 7").returncode == 7
    assert box.exec(["/usr/bin/false"]).returncode == 1


def test_files_seen_at_netbsd_paths(make_sandbox):
    box = make_sandbox(admin_user="alice")
    out = box.exec(["cat", "/etc/passwd"]).stdout
    assert "alice:*:1000:100:Alice:/home/alice:/bin/sh" in out
    box.sh("echo hello > /tmp/inside")
    assert box.path("/tmp/inside").read_text() == "hello\n"


def test_stop_leaves_no_process_behind(make_sandbox):
    box = make_sandbox()
    box.sh("sleep 300 >/dev/null 2>&1 & sleep 300 >/dev/null 2>&1 &")
    before = box.pids()
    assert len(before) >= 3
    box.stop()
    assert not [
        p
        for p in before
        if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
    ]
    assert box.pids() == []


def test_tmp_stays_the_hosts_when_the_caller_runs_from_tmp(make_sandbox, monkeypatch):
    # a script run from /tmp has /tmp on sys.path, whose directories are bound into the
    # sandbox read-only: /tmp would cover the host's own, and mktemp (the probe's
    # concurrent jobs) would fail with "Read-only file system"
    monkeypatch.syspath_prepend("/tmp")
    box = make_sandbox()
    made = box.exec(["mktemp", "-d", "/tmp/qw-test.XXXXXXXX"])
    assert made.returncode == 0, made.stderr
    assert box.path(made.stdout.strip()).is_dir()
