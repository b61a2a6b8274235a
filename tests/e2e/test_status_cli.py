"""`qmail-wizard status` on a 2020Q2 sandbox installed by `apply profiles/default.yaml`
(procname nbqmailsmtpd, qmailsend pidfile).  One installed sandbox for the module;
the test that kills qmail-send comes last and restarts it."""

from __future__ import annotations

import json
import signal
import subprocess
import threading

import pytest

from tests.e2e.cli import installed_sandbox, start, wizard
from tests.polling import wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    with installed_sandbox(tmp_path_factory.mktemp("status-cli") / "sb", "2020Q2") as sandbox:
        yield sandbox


def ps(box) -> dict[int, str]:
    out = box.exec(["ps", "-o", "pid,command", "-ax"]).stdout.splitlines()[1:]
    return {int(line.split(None, 1)[0]): line.split(None, 1)[1] for line in out}


def status_json(box) -> dict:
    done = wizard(box, "status", "--format", "json", timeout=60)
    assert done.returncode == 0, done.stderr
    return {s["name"]: s for s in json.loads(done.stdout)["services"]} | {
        "": json.loads(done.stdout)
    }


def test_json_lists_the_real_processes_and_listen_address(box):
    services = status_json(box)
    commands = ps(box)
    send, smtpd, postfix = services["qmailsend"], services["qmailsmtpd"], services["postfix"]
    assert send["running"] and smtpd["running"]
    assert commands[send["pids"][0]].startswith("qmail-send ")
    assert commands[smtpd["pids"][0]].startswith("nbqmailsmtpd /usr/pkg/bin/sslserver ")
    assert int(box.read("/var/run/qmailsend.pid")) == send["pids"][0]
    assert "qmailsmtpd_tcp" not in box.read("/etc/rc.conf")
    assert smtpd["listen"] == ["0.0.0.0:25"]  # the rc.d script's defaults
    assert (postfix["enabled"], postfix["running"], postfix["pids"]) == (False, False, [])
    keys = {
        "name",
        "enabled",
        "running",
        "pids",
        "uptime_s",
        "cpu_percent",
        "rss_bytes",
        "listen",
        "user",
        "state",
        "rc_status",
    }
    assert all(set(s) == keys for s in services[""]["services"])
    assert services[""]["queue"] == {"messages": 0, "unprocessed": 0, "oldest_s": None}
    assert any("nbqmail/send" in line for line in services[""]["log"])


def test_text_has_the_table_queue_and_log(box):
    done = wizard(box, "status", timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["SERVICE", "ENABLED", "STATE"]
    rows = {line.split()[0]: line.split() for line in lines[1:7]}
    assert list(rows) == [
        "qmailsend",
        "qmailsmtpd",
        "qmailqread",
        "qmailpop3d",
        "qmailofmipd",
        "postfix",
    ]
    assert rows["qmailsend"][1:3] == ["yes", "running"]
    assert rows["postfix"][1:3] == ["no", "stopped"]
    assert "queue: 0 messages, 0 not yet preprocessed, oldest -" in lines
    assert any(line.startswith("/var/log/maillog (last ") for line in lines)


def test_bad_format_and_watch_values_exit_2(box):
    bad = wizard(box, "status", "--format", "xml", timeout=60)
    assert bad.returncode == 2
    assert "argument --format: invalid choice: 'xml' (choose from 'text', 'json')" in bad.stderr
    bad = wizard(box, "status", "--watch", "0", timeout=60)
    assert bad.returncode == 2 and "'0' is not a positive number of seconds" in bad.stderr


def test_watch_redraws_until_ctrl_c(box):
    child = start(box, "status", "--watch", "0.2", stdout=subprocess.PIPE)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(child.stdout), daemon=True)
    reader.start()
    try:
        assert wait_for(lambda: sum(line.startswith("qmail status of") for line in lines) >= 2)
    finally:
        child.send_signal(signal.SIGINT)
        child.wait(timeout=20)
    reader.join(timeout=5)
    assert child.returncode == 0, child.stderr.read()
    assert "Traceback" not in child.stderr.read()
    assert sum(line.startswith("SERVICE ") for line in lines) >= 2


def test_killed_qmail_send_shows_crashed(box):
    pid = status_json(box)["qmailsend"]["pids"][0]
    assert box.exec(["kill", "-9", str(pid)]).returncode == 0
    send = status_json(box)["qmailsend"]
    assert (send["running"], send["state"], send["pids"]) == (False, "crashed", [])
    assert send["rc_status"] == "qmailsend is not running."
    done = wizard(box, "status", timeout=60)
    assert (
        "! qmailsend crashed: enabled in rc.conf but not running; try: /etc/rc.d/qmailsend restart"
    ) in done.stdout
    assert box.exec(["/etc/rc.d/qmailsend", "restart"]).returncode == 0
    assert status_json(box)["qmailsend"]["state"] == "running"
