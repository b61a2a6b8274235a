"""procmatch: rc.subr's check_process rules (NetBSD etc/rc.subr _find_processes)."""

from __future__ import annotations

from tui.backend import procmatch
from tui.backend.hosts import ProcessInfo


def proc(
    pid: int,
    name: str,
    *cmdline: str,
    ppid: int = 1,
    started: float = 0.0,
    status: str = "sleeping",
) -> ProcessInfo:
    return ProcessInfo(
        pid=pid,
        ppid=ppid,
        name=name,
        cmdline=tuple(cmdline),
        user="root",
        create_time=started,
        status=status,
        rss_bytes=0,
    )


LISTENER = proc(10, "tcpserver", "qmailsmtpd", "-v", "-R", "0", "25", "/usr/pkg/bin/qmail-smtpd")


def test_a_daemon_matches_by_its_first_command_word_never_by_its_kernel_name():
    assert procmatch.matches(LISTENER, "qmailsmtpd")
    assert not procmatch.matches(LISTENER, "tcpserver")  # name() is not looked at
    assert not procmatch.matches(LISTENER, "nbqmailsmtpd")
    send = proc(11, "qmail-send", "qmail-send")
    for procname in ("/usr/pkg/bin/qmail-send", "qmail-send"):
        assert procmatch.matches(send, procname)
    # the first word is compared whole: procname, basename, "basename:", "(basename)"
    assert procmatch.matches(
        proc(12, "master", "/usr/libexec/postfix/master", "-w"), "/usr/libexec/postfix/master"
    )
    assert procmatch.matches(proc(13, "sshd", "sshd:", "root@pts/0"), "/usr/sbin/sshd")
    assert not procmatch.matches(
        proc(14, "qmail-send", "/opt/bin/qmail-send"), "/usr/pkg/bin/qmail-send"
    )
    assert not procmatch.matches(proc(15, "logger", "logger", "-t", "qmailsmtpd"), "qmailsmtpd")


def test_without_arguments_ps_shows_the_kernel_name_in_parentheses():
    unreadable = proc(16, "tcpserver")
    assert procmatch.command(unreadable) == ("(tcpserver)",)
    assert procmatch.matches(unreadable, "/usr/pkg/bin/tcpserver")
    assert not procmatch.matches(unreadable, "qmailsmtpd")


def test_an_interpreted_script_matches_on_its_interpreter_line_then_the_script():
    script, interp = "/usr/pkg/sbin/spamd", "/usr/pkg/bin/perl -T"
    running = proc(20, "perl", "/usr/pkg/bin/perl", "-T", script, "-d")
    assert procmatch.matches(running, script, interp)
    assert procmatch.matches(proc(21, "perl", "/usr/pkg/bin/perl", "-T", script), script, interp)
    assert procmatch.matches(proc(22, "perl", "perl:", "spamd", "child"), script, interp)
    assert not procmatch.matches(running, script)  # first word is the interpreter
    assert not procmatch.matches(
        proc(23, "perl", "/usr/pkg/bin/perl", "-T", "/other"), script, interp
    )


def test_main_process_prefers_the_pidfile_then_the_oldest_root():
    child = proc(30, "tcpserver", "qmailsmtpd", ppid=10, started=5.0)
    later = proc(31, "tcpserver", "qmailsmtpd", started=9.0)
    dead = proc(32, "tcpserver", "qmailsmtpd", status="zombie")
    procs = [child, LISTENER, later, dead]
    assert procmatch.main_process(procs, "qmailsmtpd") is LISTENER
    assert procmatch.main_process(procs, "qmailsmtpd", pidfile_pid=31) is later
    assert procmatch.main_process(procs, "qmailsmtpd", pidfile_pid=99) is LISTENER
    assert dead not in procmatch.service_processes(procs, "qmailsmtpd")
    assert procmatch.main_process(procs, "postfix") is None
    assert procmatch.program(LISTENER) == "qmailsmtpd"
