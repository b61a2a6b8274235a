"""The base system's postfix (rc.d/postfix, the master/smtpd stand-ins) and mailwrapper."""

from __future__ import annotations

import os
import pty
import subprocess

import psutil

from tests.polling import wait_for
from tui.sandbox import container


def _port_open(box, port: int = 25) -> bool:
    """Whether something accepts connections on the sandbox's 127.0.0.1:``port``."""
    try:
        box.connect(port).close()
    except ConnectionRefusedError:
        return False
    return True


def _names(pids: list[int]) -> set[str]:
    names = set()
    for pid in pids:
        try:
            names.add(psutil.Process(pid).name())
        except psutil.Error:
            pass
    return names


def _postfix_script_lines(box) -> list[str]:
    """The mail log's postfix-script lines, without their date and host."""
    return [
        line[line.index("postfix/postfix-script[") :]
        for line in box.read("/var/log/maillog").splitlines()
        if " postfix/postfix-script[" in line
    ]


def test_postfix_runs_after_create_and_speaks_smtp(sandbox):
    box = sandbox
    pid = box.read("/var/spool/postfix/pid/master.pid").strip()
    before = len(_postfix_script_lines(box))
    # rc.d/postfix status is postfix(1)'s: postlog to syslog, stderr only on a tty
    status = box.exec(["/etc/rc.d/postfix", "status"])
    assert (status.returncode, status.stdout, status.stderr) == (0, "", "")
    said = wait_for(lambda: _postfix_script_lines(box)[before:])
    assert len(said) == 1 and said[0].endswith(
        f"]: the Postfix mail system is running: PID: {pid}"
    ), said
    assert box.exec(["ps", "-p", pid, "-o", "comm="]).stdout.strip() == "master"
    assert (
        box.exec(["ps", "-p", pid, "-o", "command="]).stdout.split()[0]
        == "/usr/libexec/postfix/master"
    )
    with box.smtp(25) as client:
        assert client.ehlo()[0] == 250
        client.sendmail(
            "root@mail.example.org", ["admin@mail.example.org"], "Subject: hello\r\n\r\nbody\r\n"
        )
    with box.connect(25) as raw:
        assert raw.recv(200) == b"220 mail.example.org ESMTP Postfix\r\n"
    dropped = list(box.path("/var/spool/postfix/maildrop").iterdir())
    assert len(dropped) == 1 and "Subject: hello" in dropped[0].read_text()
    # syslogd appends what it is sent in its own time
    queued = f"{dropped[0].name}: client=localhost[127.0.0.1]"
    assert wait_for(lambda: queued in box.read("/var/log/maillog"))
    log = box.read("/var/log/maillog")
    assert "postfix/master[" in log and "connect from localhost[127.0.0.1]" in log
    assert "postfix/smtpd[" in log


def test_status_speaks_on_a_terminal_only(sandbox):
    """postlog writes to stderr only when stderr is a tty (then as tag: message)."""
    box = sandbox
    pid = box.read("/var/spool/postfix/pid/master.pid").strip()
    leader, follower = pty.openpty()
    try:
        status = subprocess.run(
            container.enter_argv(box.paths, ["/etc/rc.d/postfix", "status"]),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=follower,
            timeout=60,
            check=False,
        )
        os.close(follower)
        said = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the terminal's last writer is gone
                break
            if not chunk:
                break
            said += chunk
    finally:
        os.close(leader)
    assert (status.returncode, status.stdout) == (0, b"")
    assert said.replace(b"\r\n", b"\n") == (
        f"postfix/postfix-script: the Postfix mail system is running: PID: {pid}\n".encode()
    )


def test_stop_frees_the_port_and_start_again(make_sandbox):
    box = make_sandbox()
    assert _port_open(box)
    stop = box.exec(["/etc/rc.d/postfix", "stop"])
    assert stop.returncode == 0
    status = box.exec(["/etc/rc.d/postfix", "status"])
    assert (status.returncode, status.stdout, status.stderr) == (1, "", "")
    # postfix-script's status says "not running" at info level, not as a fatal
    assert wait_for(
        lambda: _postfix_script_lines(box)[-1].endswith("]: the Postfix mail system is not running")
    ), _postfix_script_lines(box)
    assert not _port_open(box)
    assert wait_for(lambda: "stopping the Postfix mail system" in box.read("/var/log/maillog"))
    assert box.exec(["/etc/rc.d/postfix", "stop"]).returncode == 1
    assert box.exec(["/etc/rc.d/postfix", "start"]).returncode == 0
    assert box.exec(["/etc/rc.d/postfix", "start"]).returncode == 1  # already running
    assert box.exec(["/etc/rc.d/postfix", "status"]).returncode == 0
    assert _port_open(box)


def test_mailer_conf_away_from_postfix_skips_it_at_boot(make_sandbox):
    box = make_sandbox("2020Q2")
    box.stop()
    conf = box.path("/etc/mailer.conf")
    conf.write_text(
        conf.read_text().replace("/usr/libexec/postfix/sendmail", "/usr/pkg/bin/sendmail")
    )
    status = box.exec(["/etc/rc.d/postfix", "status"])  # boots again first
    assert status.returncode == 1
    assert status.stderr == (
        "WARNING: default postfix not used as not selected in mailer.conf\n"
        "$postfix is not enabled - see rc.conf(5).\n"
        "Use the following if you wish to perform the operation:\n"
        "  /etc/rc.d/postfix onestatus\n"
    )
    onestatus = box.exec(["/etc/rc.d/postfix", "onestatus"])
    assert (onestatus.returncode, onestatus.stdout) == (1, "")
    assert not _port_open(box)
    assert "master" not in _names(box.pids())


def test_mailwrapper(make_sandbox):
    box = make_sandbox()
    sent = box.exec(["/usr/sbin/sendmail", "admin"], input="Subject: cron\n\nhi\n")
    assert sent.returncode == 0
    assert wait_for(lambda: "postfix/pickup[" in box.read("/var/log/maillog"))
    box.sh("printf 'sendmail\\t/usr/pkg/bin/sendmail\\n' > /etc/mailer.conf")
    missing = box.exec(["/usr/sbin/sendmail", "admin"], input="x\n")
    assert (missing.returncode, missing.stderr) == (
        1,
        "sendmail: mailwrapper: execing /usr/pkg/bin/sendmail: No such file or directory\n",
    )
    box.sh("printf '# nothing\\n' > /etc/mailer.conf")
    unmapped = box.exec(["/usr/sbin/sendmail", "admin"], input="x\n")
    assert (unmapped.returncode, unmapped.stderr) == (
        1,
        "sendmail: mailwrapper: no mapping in /etc/mailer.conf\n",
    )
