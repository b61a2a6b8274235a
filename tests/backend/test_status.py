"""StatusReader and services on a sandbox installed by `apply profiles/default.yaml`
(2017Q1: procname qmailsmtpd; tests/e2e/test_status_cli.py covers 2020Q2's nbqmailsmtpd).

The read-only tests share one installed sandbox; the tests that stop and kill qmail-send
come last and leave it running.
"""

from __future__ import annotations

import dataclasses
import statistics
import time

import psutil
import pytest

from tests.e2e.cli import installed_sandbox
from tests.polling import wait_for
from tui.backend import procmatch, services
from tui.backend.facts import RcConf
from tui.backend.hosts import Host, SandboxHost, procfs, procview
from tui.backend.status import QueueStatus, ServiceStatus, Status, StatusReader, _tag
from tui.backend.status_text import duration, render_text, size_text
from tui.sandbox import api as sandbox_api


class CountingHost(SandboxHost):
    """A SandboxHost that counts the calls a read makes."""

    def __init__(self, path):
        super().__init__(path)
        self.calls: dict[str, int] = {}
        self.offsets: list[int] = []

    def _count(self, name):
        self.calls[name] = self.calls.get(name, 0) + 1

    def run(self, argv, *args, **kwargs):
        self._count("run")
        return super().run(argv, *args, **kwargs)

    def processes(self):
        self._count("processes")
        return super().processes()

    def still_running(self, procs):
        self._count("still_running")
        return super().still_running(procs)

    def listeners(self):
        self._count("listeners")
        return super().listeners()

    def read_from(self, path, offset, limit=1 << 20):
        self.offsets.append(offset)
        return super().read_from(path, offset, limit)


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    with installed_sandbox(tmp_path_factory.mktemp("status") / "sb", "2017Q1") as sandbox:
        yield sandbox


@pytest.fixture
def host(box):
    return CountingHost(box.paths.base)


def ps(box) -> dict[int, str]:
    """pid -> command, as the sandbox's own ps shows them."""
    out = box.exec(["ps", "-o", "pid,command", "-ax"]).stdout.splitlines()[1:]
    return {int(line.split(None, 1)[0]): line.split(None, 1)[1] for line in out}


# -- on the installed sandbox --------------------------------------------------------
@pytest.mark.slow
def test_services_pids_listen_and_users(box, host):
    status = StatusReader(host).read()
    commands = ps(box)
    send = status.service("qmailsend")
    assert (send.enabled, send.running, send.state, send.user) == (True, True, "running", "qmails")
    assert commands[send.pids[0]].startswith("qmail-send ")
    helpers = sorted(commands[pid].split()[0] for pid in send.pids[1:])
    assert helpers == ["logger", "qmail-clean", "qmail-lspawn", "qmail-rspawn"]
    assert send.rc_status == f"qmailsend is running as pid {send.pids[0]}."
    assert send.uptime_s > 0 and send.rss_bytes > 0 and send.listen == []

    smtpd = status.service("qmailsmtpd")
    assert (smtpd.running, smtpd.state, smtpd.user) == (True, "running", "qmaild")
    assert commands[smtpd.pids[0]].startswith("qmailsmtpd /usr/pkg/bin/tcpserver ")
    assert "-t nbqmailsmtpd" in commands[smtpd.pids[1]]
    assert smtpd.listen == ["0.0.0.0:25"]  # qmailsmtpd's defaults: no rc.conf knob

    for name in ("postfix", "qmailpop3d", "qmailofmipd"):
        other = status.service(name)
        assert (other.enabled, other.running, other.state, other.pids) == (
            False,
            False,
            "stopped",
            [],
        )
        # postfix: its master process, never rc.d/postfix status
        assert other.rc_status == ("" if name == "postfix" else f"{name} is not running.")
    assert status.queue == QueueStatus(0, 0, None)
    assert any("nbqmailsend" in line for line in status.log)
    assert host.calls["run"] == 1


@pytest.mark.slow
def test_listener_is_found_by_argv0_not_by_its_kernel_name(box, host):
    """argv0 tcpserver qmailsmtpd: the kernel names it tcpserver (psutil name(), NetBSD's
    p_comm); only argv[0] (ps's first word, cmdline()[0]) says qmailsmtpd."""
    smtpd = StatusReader(host).read().service("qmailsmtpd")
    listener = next(p for p in host.processes() if p.pid == smtpd.pids[0])
    seen = psutil.Process(listener.machine_pid)
    assert (seen.name(), seen.cmdline()[0]) == ("tcpserver", "qmailsmtpd")
    assert [
        p.pid
        for p in procmatch.service_processes(host.processes(), "qmailsmtpd")
        if p.ppid not in smtpd.pids
    ] == [smtpd.pids[0]]
    assert not [p for p in host.processes() if p.name in ("qmailsmtpd", "nbqmailsmtpd")]


@pytest.mark.slow
def test_status_reads_leave_the_mail_log_alone(box, host):
    """Five reads (rc.d checks included) add at most one postfix line to the mail log:
    rc.d/postfix status would add one each (postfix status answers through syslog)."""

    def postfix_lines(marker):
        # syslogd appends in its own time: a marker sent last shows all before it are in
        assert box.exec(["logger", "-p", "mail.info", "-t", "qwtest", marker]).returncode == 0
        assert wait_for(lambda: marker in box.read("/var/log/maillog"))
        return sum("postfix" in line for line in box.read("/var/log/maillog").splitlines())

    before = postfix_lines("before")
    reader = StatusReader(host)
    for _ in range(5):
        assert reader.read().service("postfix").state == "stopped"
    assert postfix_lines("after") - before <= 1


@pytest.mark.slow
def test_cheap_reads_run_nothing_and_look_at_known_processes(host):
    reader = StatusReader(host)
    scanned = reader.read()
    host.calls.clear()
    times = []
    for _ in range(20):
        started = time.perf_counter()
        status = reader.read(rc_check=False)
        times.append(time.perf_counter() - started)
    assert host.calls == {"still_running": 20}  # no process scan within SCAN_EVERY_S
    assert statistics.median(times) < 0.05, times
    smtpd = status.service("qmailsmtpd")
    assert smtpd.listen and smtpd.pids == scanned.service("qmailsmtpd").pids
    assert smtpd.uptime_s >= scanned.service("qmailsmtpd").uptime_s
    assert status.service("qmailsend").rc_status.startswith("qmailsend is running")
    reader.expect("qmailsend", True)  # an action: the next read scans
    reader.read(rc_check=False)
    assert host.calls["processes"] == 1


def cpu_seconds(machine_pid: int) -> float:
    times = psutil.Process(machine_pid).cpu_times()
    return times.user + times.system


@pytest.mark.slow
def test_cpu_percent_is_over_the_last_interval(box, host):
    """A busy loop logging for qmail-send (argv0 logger, -t nbqmailsend: one of the
    service's processes) between two scans: the service's CPU % is its CPU seconds over
    that interval, as psutil measures them from outside, bracketed by the reads' times."""
    started = box.sh(
        "argv0 /bin/sh logger -c 'while :; do :; done' -t nbqmailsend"
        " </dev/null >/dev/null 2>&1 & echo $!"
    )
    burner = int(started.stdout)
    try:
        found = wait_for(lambda: [p for p in host.processes() if p.pid == burner])
        machine_pid = found[0].machine_pid
        reader = StatusReader(host)
        outer_start, cpu_outer_start = time.monotonic(), cpu_seconds(machine_pid)
        reader.read(rc_check=False)
        inner_start, cpu_inner_start = time.monotonic(), cpu_seconds(machine_pid)
        wait_for(lambda: cpu_seconds(machine_pid) - cpu_inner_start >= 0.5)
        inner_end, cpu_inner_end = time.monotonic(), cpu_seconds(machine_pid)
        reader.expect("qmailsend", True)  # the next read scans
        send = reader.read(rc_check=False).service("qmailsend")
        outer_end, cpu_outer_end = time.monotonic(), cpu_seconds(machine_pid)
    finally:
        box.sh(f"kill {burner}")
    assert burner in send.pids
    low = 100 * (cpu_inner_end - cpu_inner_start) / (outer_end - outer_start)
    high = 100 * (cpu_outer_end - cpu_outer_start) / (inner_end - inner_start)
    assert low - 2 <= send.cpu_percent <= high + 2, (low, send.cpu_percent, high)


@pytest.mark.slow
def test_log_follows_appends_and_truncation(box, host):
    reader = StatusReader(host, log_lines=3)
    reader.read(rc_check=False)
    start = host.offsets[-1]
    box.exec(["logger", "-p", "mail.info", "-t", "qwtest", "first line"])
    box.exec(["logger", "-p", "mail.info", "-t", "qwtest", "second line"])
    log = wait_for(
        lambda: (lines := reader.read(rc_check=False).log) and "second line" in lines[-1] and lines
    )
    assert len(log) == 3 and "first line" in log[-2]
    assert min(host.offsets[-1:]) > start  # only the appended bytes were read
    host.write("/var/log/maillog", "Jan  1 00:00:00 mail qwtest: fresh\n", mode=0o640)
    assert reader.read(rc_check=False).log == ["Jan  1 00:00:00 mail qwtest: fresh"]


@pytest.mark.slow
def test_deliberate_stop_queue_then_crash_and_restart(box, host):
    reader = StatusReader(host)
    assert reader.read().service("qmailsend").running
    stopped = services.act(host, "qmailsend", "stop")
    assert stopped.ok, stopped.stderr
    reader.expect("qmailsend", False)
    assert reader.read().service("qmailsend").state == "stopped"

    sent = box.exec(
        ["/usr/pkg/bin/qmail-inject", "admin@mail.example.org"],
        input="Subject: queued\n\nwhile qmail-send is down\n",
    )
    assert sent.returncode == 0, sent.stderr
    queue = reader.read(rc_check=False).queue
    assert (queue.messages, queue.unprocessed) == (1, 1) and 0 <= queue.oldest_s < 60

    started = services.act(host, "qmailsend", "start")
    assert started.ok, started.stderr
    reader.expect("qmailsend", True)
    assert wait_for(lambda: reader.read(rc_check=False).queue.messages == 0)

    pid = reader.read().service("qmailsend").pids[0]
    before = [p for p in host.processes() if p.pid == pid]
    assert host.still_running(before) and Host.still_running(host, before)
    assert procview.running(before)  # LocalHost's (psutil) version
    assert box.exec(["kill", "-9", str(pid)]).returncode == 0
    assert wait_for(lambda: not host.still_running(before), timeout=2)
    assert not Host.still_running(host, before) and not procview.running(before)
    killed = wait_for(
        lambda: not (s := reader.read(rc_check=False).service("qmailsend")).running and s, timeout=2
    )
    assert killed and killed.state == "crashed" and killed.pids == []
    assert reader.read().service("qmailsend").rc_status == "qmailsend is not running."

    restarted = services.act(host, "qmailsend", "restart")
    assert restarted.ok, restarted.stderr
    back = reader.read().service("qmailsend")
    assert back.running and back.state == "running" and back.pids[0] != pid
    assert ps(box)[back.pids[0]].startswith("qmail-send ")


@pytest.mark.slow
def test_reload_and_flush_run_the_rcd_verbs(host):
    assert services.act(host, "qmailsmtpd", "reload").stdout.startswith("Reloading ")
    assert services.flush(host).stdout.startswith("Flushing timeout table")


@pytest.mark.slow
def test_a_disabled_service_is_acted_on_with_the_one_prefix(host):
    refused = services.act(host, "qmailpop3d", "start")  # rc.conf says qmailpop3d=NO
    assert not refused.ok
    started = services.act(host, "qmailpop3d", "start", enabled=False)
    assert started.ok, started.stderr
    assert wait_for(lambda: StatusReader(host).read().service("qmailpop3d").running)
    assert services.act(host, "qmailpop3d", "stop", enabled=False).ok
    assert not StatusReader(host).read().service("qmailpop3d").running


# -- pure ----------------------------------------------------------------------------
def test_act_rejects_unknown_names():
    host = Host()  # runs nothing: any command would raise NotImplementedError
    with pytest.raises(ValueError, match=r"unknown service 'qmail-send': allowed are qmailsend"):
        services.act(host, "qmail-send", "start")
    with pytest.raises(
        ValueError,
        match=r"unknown action 'kill' for qmailsend: allowed are "
        r"start, stop, restart, reload",
    ):
        services.act(host, "qmailsend", "kill")
    with pytest.raises(ValueError, match="qmailqread has no reload"):
        services.act(host, "qmailqread", "reload")


def test_rc_values_follow_rc_conf_over_defaults():
    defaults = "postfix=${_rc_d_postfix:-YES}\nsshd=NO\nntpd=NO\n"
    knobs = RcConf('. /etc/defaults/rc.conf\nsshd=yes # on\nqmailsend="YES"\n', defaults)
    assert [knobs.yes(v) for v in ("postfix", "sshd", "ntpd", "qmailsend", "qmailpop3d")] == [
        True,
        True,
        False,
        True,
        False,
    ]
    postfix = knobs.setting("postfix")  # verify reads rc.d/postfix's "check" from it
    assert (postfix.value, postfix.unexpanded, postfix.where) == (
        "YES",
        "${_rc_d_postfix:-YES}",
        "/etc/defaults/rc.conf:1",
    )
    assert knobs.setting("sshd").where == "/etc/rc.conf:2"
    assert not RcConf("postfix=NO\n", defaults).yes("postfix")
    assert not RcConf("_rc_d_postfix=check\n", defaults).yes("postfix")
    assert not RcConf('x="unterminated\n', "qmailsend=YES\n").yes("postfix")


def test_logger_tags_name_their_service():
    from tui.backend.hosts import ProcessInfo

    def logger(*args):
        return ProcessInfo(1, 1, "logger", ("logger",) + args, "qmaill", 0.0, "sleeping", 0)

    assert _tag(logger("-t", "nbqmail/send", "-p", "mail.info")) == "qmailsend"
    assert _tag(logger("-t", "nbqmailsmtpd")) == "qmailsmtpd"
    assert _tag(logger("-tqmailpop3d")) == "qmailpop3d"
    assert _tag(logger("-p", "mail.info")) == ""


def test_render_text_table_queue_and_log():
    def service(name, **kw):
        values = {
            "enabled": False,
            "running": False,
            "state": "stopped",
            "pids": [],
            "uptime_s": None,
            "cpu_percent": 0.0,
            "rss_bytes": 0,
            "listen": [],
            "user": "",
            "rc_status": "",
        }
        values.update(kw)
        return ServiceStatus(name, **values)

    status = Status(
        [
            service("qmailsend", enabled=True, state="crashed"),
            service(
                "qmailsmtpd",
                enabled=True,
                running=True,
                state="running",
                pids=[40, 41],
                uptime_s=3725,
                cpu_percent=1.25,
                rss_bytes=3 << 20,
                listen=["127.0.0.1:25"],
                user="qmaild",
            ),
        ],
        QueueStatus(2, 1, 95.0),
        ["Nov 28 10:00:00 mail nbqmailsmtpd: hello"],
    )
    text = render_text(status)
    lines = text.splitlines()
    assert lines[0].split() == [
        "SERVICE",
        "ENABLED",
        "STATE",
        "PID",
        "UPTIME",
        "CPU%",
        "RSS",
        "LISTEN",
        "USER",
    ]
    assert lines[1].split() == ["qmailsend", "yes", "CRASHED", "-", "-", "-", "-", "-", "-"]
    assert lines[2].split() == [
        "qmailsmtpd",
        "yes",
        "running",
        "40",
        "+1",
        "1h02m",
        "1.2",
        "3.0M",
        "127.0.0.1:25",
        "qmaild",
    ]
    assert (
        "! qmailsend crashed: enabled in rc.conf but not running; try: /etc/rc.d/qmailsend restart"
    ) in lines
    assert "queue: 2 messages, 1 not yet preprocessed, oldest 1m35s" in lines
    assert lines[-2:] == [
        "/var/log/maillog (last 1 line):",
        "  Nov 28 10:00:00 mail nbqmailsmtpd: hello",
    ]
    assert status.to_json()["services"][1]["listen"] == ["127.0.0.1:25"]
    assert set(status.to_json()) == {"services", "queue", "log"}
    assert [duration(s) for s in (None, 5, 65, 3600, 90000)] == [
        "-",
        "5s",
        "1m05s",
        "1h00m",
        "1d01h",
    ]
    assert [size_text(n) for n in (0, 500, 1000, 2047, 5 << 30)] == ["-", "1K", "1K", "1K", "5.0G"]


def test_the_sandbox_processes_read_from_proc_are_psutils_view(box, host):
    """SandboxHost reads /proc itself (hosts/procfs.py, no psutil at start): what it
    sees of the running qmail is field for field what psutil sees."""
    pids = sandbox_api.machine_pids(box.paths.base)
    by_psutil = procview.snapshot(pids, str, host._ns_pid)
    by_proc = procfs.snapshot(pids, str, host._ns_pid)
    assert len(by_proc) == len(by_psutil) >= 10
    for seen, want in zip(by_proc, by_psutil):
        assert seen.cpu_time >= want.cpu_time  # (read after psutil's)
        assert dataclasses.replace(seen, cpu_time=0, rss_bytes=0) == dataclasses.replace(
            want, cpu_time=0, rss_bytes=0
        )
        assert abs(seen.rss_bytes - want.rss_bytes) < 1 << 20
    assert {p.name for p in by_proc} >= {"qmail-send", "qmail-lspawn", "tcpserver"}
