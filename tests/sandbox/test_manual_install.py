"""An admin installs qmail by hand, exactly as qmail-run's MESSAGE says, and mail flows."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest

from tests.polling import wait_for
from tui.backend import procmatch
from tui.backend.hosts import SandboxHost

MESSAGE_STEPS = """\
set -e
env PKG_RCD_SCRIPTS=YES pkg_add qmail-run
cd /usr/pkg/etc/qmail
echo '&admin' > alias/.qmail-root
echo '&admin' > alias/.qmail-postmaster
echo '&admin' > alias/.qmail-mailer-daemon
echo ./Maildir/ > control/defaultdelivery
maildirmake /home/admin/Maildir
chown -R admin:users /home/admin/Maildir
/etc/rc.d/postfix stop
echo postfix=NO >> /etc/rc.conf
cp /usr/pkg/share/examples/qmail-run/mailer.conf /etc/mailer.conf
echo qmailsend=YES >> /etc/rc.conf
echo qmailqread=YES >> /etc/rc.conf
echo qmailsmtpd=YES >> /etc/rc.conf
printf '127.0.0.1:allow,RELAYCLIENT=""\n:allow\n' > {tcprules}
/etc/rc.d/qmailsmtpd cdb
/etc/rc.d/qmailsend start
/etc/rc.d/qmailqread start
/etc/rc.d/qmailsmtpd start
"""

#: Where each flavor's qmail-run keeps the SMTP access rules (facts §4.2, §5.2-5.3).
TCPRULES = {
    "2017Q1": "/usr/pkg/etc/qmail/tcp.smtp",
    "2020Q2": "/usr/pkg/etc/qmail/control/tcprules/smtp",
}


def _smtp(box, source: str = "127.0.0.1"):
    """An SMTP client on the sandbox's port 25, from its address ``source``."""

    def attempt():
        try:
            return box.smtp(25, source=source)
        except OSError:
            return None

    client = wait_for(attempt, timeout=10)
    assert client
    return client


@pytest.mark.slow
def test_manual_install_by_message_steps_delivers_and_refuses_relay(sandbox):
    flavor = sandbox.config["flavor"]
    done = sandbox.sh(MESSAGE_STEPS.format(tcprules=TCPRULES[flavor]), timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr

    client = _smtp(sandbox)
    greeting = client.ehlo("client.example.net")
    assert greeting[0] == 250
    client.sendmail(
        "someone@example.net", ["admin@mail.example.org"], "Subject: hello\r\n\r\nHello admin.\r\n"
    )
    client.quit()
    maildir = sandbox.path("/home/admin/Maildir/new")
    delivered = wait_for(lambda: list(maildir.iterdir()))
    assert delivered, sandbox.read("/var/log/maillog")
    assert "Hello admin." in Path(delivered[0]).read_text()
    assert delivered[0].stat().st_uid == 1000

    # a second address of this host, added as on NetBSD (lo0 has only 127.0.0.1)
    assert sandbox.exec(["ifconfig", "lo0", "inet", "alias", "127.0.0.2"]).returncode == 0
    outsider = _smtp(sandbox, source="127.0.0.2")
    outsider.ehlo("outside.example.net")
    outsider.mail("spammer@example.net")
    code, text = outsider.rcpt("victim@elsewhere.example.com")
    assert code == 553
    assert b"rcpthosts" in text
    outsider.quit()

    insider = _smtp(sandbox)
    insider.ehlo("localhost")
    insider.mail("admin@mail.example.org")
    assert insider.rcpt("friend@elsewhere.example.com")[0] == 250
    insider.quit()

    # the listener carries its era's argv[0] (facts §4, §8) while the kernel names it
    # after the server program; rc.d (ps's first word) agrees with procmatch
    procname = {"2017Q1": "qmailsmtpd", "2020Q2": "nbqmailsmtpd"}[flavor]
    host = SandboxHost(sandbox.paths.base)
    procs = host.processes()
    by_name = {p.name: p for p in procs}
    assert {"qmail-send", "qmail-lspawn", "qmail-rspawn", "qmail-clean"} <= set(by_name)
    assert by_name["qmail-send"].user == "qmails"
    listener = procmatch.main_process(procs, "qmailsmtpd")
    assert listener.cmdline[0] == procname and listener.name in ("tcpserver", "sslserver")
    # sslserver's listener stays root (it loads the certificate); tcpserver's is qmaild
    assert listener.user == ("root" if listener.name == "sslserver" else "qmaild")
    assert procname not in by_name
    # a closed connection's sslserver child carries the listener's argv until it exits,
    # and rc.subr lists it too while it does (as on NetBSD); then only the listener is left
    expected = f"qmailsmtpd is running as pid {listener.pid}.\n"
    status = wait_for(
        lambda: sandbox.exec(["/etc/rc.d/qmailsmtpd", "status"]).stdout == expected, timeout=10
    )
    assert status, sandbox.exec(["/etc/rc.d/qmailsmtpd", "status"]).stdout
    assert any(sock.port == 25 and sock.pid == listener.pid for sock in host.listeners())

    # stopping the sandbox ends every process, and its network with them
    pids = sandbox.pids()
    sandbox.stop()
    assert not [
        p
        for p in pids
        if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
    ]
    assert host.listeners() == []
