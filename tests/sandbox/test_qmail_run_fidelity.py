"""qmail-run's rc.d scripts as shipped per flavor, what the wizard learns from them, and
how the mail log shows unsafe bytes (qmail-send's logsafe, NetBSD syslogd)."""

from __future__ import annotations

import pytest

from tests.polling import wait_for
from tests.sandbox import qmailhost
from tui.backend import rcscript
from tui.backend.hosts import SandboxHost
from tui.backend.probe import probe
from tui.backend.verify.checks import Verifier
from tui.backend.verify.config import listen
from tui.sandbox import rcd

RENAMED = {"QMAIL_DAEMON_USER": "mydaemon", "QMAIL_LOG_USER": "mylog", "QMAIL_SEND_USER": "mysend"}


def test_knob_parser_on_shipped_scripts():
    old, new = rcd.qmail_run_scripts("2017Q1", RENAMED), rcd.qmail_run_scripts("2020Q2", RENAMED)
    # 2017Q1 qmailqread (rev 1.8.12.1) fixes its address; 2020Q2 (rev 1.13) reads knobs
    assert rcscript.listen_spec(old["qmailqread"], "qmailqread") == rcscript.ListenSpec(
        "127.0.0.1", "20025", None, None
    )
    assert not [k for k in rcscript.knob_defaults(old["qmailqread"]) if "tcp" in k]
    assert rcscript.listen_spec(new["qmailqread"], "qmailqread") == rcscript.ListenSpec(
        "127.0.0.1", "20025", "qmailqread_tcphost", "qmailqread_tcpport"
    )
    for scripts, smtp_host in ((old, "0"), (new, "0.0.0.0")):
        assert rcscript.listen_spec(scripts["qmailsmtpd"], "qmailsmtpd") == rcscript.ListenSpec(
            smtp_host, "25", "qmailsmtpd_tcphost", "qmailsmtpd_tcpport"
        )
        assert rcscript.listen_spec(scripts["qmailsend"], "qmailsend") is None
    assert rcscript.listen_spec(old["qmailofmipd"], "qmailofmipd").port == "26"
    assert rcscript.listen_spec(new["qmailofmipd"], "qmailofmipd").port == "587"
    assert rcscript.knob_defaults(old["qmailpop3d"])["qmailpop3d_tcpflags"] == "-vRHl0"
    # 2017Q1 qmailpop3d (rev 1.9) logs as a literal qmaill; the other scripts substitute
    assert rcscript.log_users(old["qmailpop3d"]) == {"qmaill"}
    assert rcscript.log_users(old["qmailsmtpd"]) == {"mylog"}
    assert rcscript.log_users(new["qmailpop3d"]) == {"mylog"}


def _start_qread(box, rc_lines: str = ""):
    qmailhost.setup(box, programs=qmailhost.PROGRAMS + ["argv0", "setuidgid", "pgrphack"])
    box.path("/etc/rc.d/qmailqread").write_text(
        rcd.qmail_run_scripts(box.config["flavor"], {})["qmailqread"]
    )
    box.path("/etc/rc.d/qmailqread").chmod(0o555)
    with box.path("/etc/rc.conf").open("a") as fh:
        fh.write("qmailqread=YES\n" + rc_lines)
    done = box.sh("/etc/rc.d/qmailqread start </dev/null >/tmp/start.out 2>&1")
    assert done.returncode == 0, box.read("/tmp/start.out")


def test_2017Q1_qmailqread_fixed_address(make_sandbox):
    """rc.conf's qmailqread_tcpport is ignored; verify checks the script's
    127.0.0.1:20025 and its hint names no rc.conf knob."""
    box = make_sandbox("2017Q1")
    _start_qread(box, "qmailqread_tcpport=20026\n")
    host = SandboxHost(box.paths.base)
    bound = wait_for(lambda: [sock for sock in host.listeners() if sock.port == 20025])
    assert bound and bound[0].address == "127.0.0.1"
    state = probe(host)
    where = listen(host, state, "qmailqread")
    assert (where.address, where.port, where.knobs) == ("127.0.0.1", 20025, ())
    checker = Verifier(host, state, 1.0, None)
    passed = checker.listener("qmailqread")
    assert passed.ok and "as /etc/rc.d/qmailqread says" in passed.detail
    checker.listeners = []  # as when the socket scan finds it bound elsewhere
    failed = checker.listener("qmailqread")
    assert not failed.ok and "_tcp" not in failed.fix and "set " not in failed.fix
    assert "/etc/rc.d/qmailqread fixes 127.0.0.1:20025" in failed.fix


def test_2020Q2_qmailqread_hint_names_its_knobs(make_sandbox):
    box = make_sandbox("2020Q2")
    _start_qread(box, "qmailqread_tcpport=20026\n")
    host = SandboxHost(box.paths.base)
    assert probe(host).rc_conf().value("qmailqread_tcpport") == "20026"
    assert wait_for(lambda: [sock for sock in host.listeners() if sock.port == 20026])
    checker = Verifier(host, probe(host), 1.0, None)
    assert checker.listener("qmailqread").ok
    checker.listeners = []
    assert "qmailqread_tcphost and qmailqread_tcpport" in checker.listener("qmailqread").fix


@pytest.mark.parametrize("flavor", ["2017Q1"])
def test_control_characters_visible_in_maillog(make_sandbox, flavor):
    box = make_sandbox(flavor)
    done = box.sh(
        "printf 'evil \\033[2J\\177 caf\\303\\251 \\377 end\\n' "
        "| logger -t nbqmailsmtpd -p mail.info"
    )
    assert done.returncode == 0, done.stderr
    line = wait_for(
        lambda: [
            row for row in box.read("/var/log/maillog").splitlines() if "nbqmailsmtpd: evil" in row
        ]
    )
    assert line and line[0].endswith("nbqmailsmtpd: evil ^[[2J^? caf<U+e9> ? end")
