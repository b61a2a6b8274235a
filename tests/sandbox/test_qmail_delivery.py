"""qmail in the sandbox: SMTP in through tcpserver, rcpthosts/RELAYCLIENT, local deliveries, queue."""

from __future__ import annotations

import poplib
import smtplib

import psutil
import pytest
from qmailhost import SandboxPOP3, set_password, setup, start_send

from tests.polling import wait_for
from tui.backend.hosts import SandboxHost
from tui.sandbox.handle import Sandbox

TCP_SMTP = '127.0.0.1:allow,RELAYCLIENT=""\n:allow\n'


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    """One sandbox with qmail-send running and an SMTP listener on port 25 (setup
    stopped postfix)."""
    box = Sandbox.create(tmp_path_factory.mktemp("qmail") / "box", pace=0.02)
    try:
        setup(box)
        box.path("/usr/pkg/etc/qmail/alias/.qmail-postmaster").write_text(
            "# pkgsrc says: replace this comment with your config\n"
        )
        start_send(box)
        done = box.sh(
            f"cd /usr/pkg/etc/qmail && printf '{TCP_SMTP}' > tcp.smtp"
            " && tcprules tcp.smtp.cdb tcp.smtp.tmp < tcp.smtp && cd /"
            " && (env - PATH=/usr/pkg/bin:/usr/bin:/bin QMAILQUEUE=/usr/pkg/bin/qmail-queue"
            " tcpserver -vRl0 -x /usr/pkg/etc/qmail/tcp.smtp.cdb -c 20 -u 2011 -g 2002"
            " 127.0.0.1 25 qmail-smtpd 2>&1 | logger -t nbqmailsmtpd -p mail.info)"
            " >/dev/null 2>&1 &"
        )
        assert done.returncode == 0, done.stderr
        yield box
    finally:
        box.kill()


def connect(box, source="127.0.0.1") -> smtplib.SMTP:
    def attempt():
        try:
            return box.smtp(25, source=source)
        except OSError:
            return None

    client = wait_for(attempt)
    assert client and client.greeting == (220, b"mail.example.org ESMTP")
    return client


def maillog(box) -> str:
    return box.read("/var/log/maillog")


def test_processes_are_named_and_owned_as_qmail(host):
    wanted = {
        "qmail-send": "qmails",
        "qmail-lspawn": "root",
        "qmail-rspawn": "qmailr",
        "qmail-clean": "qmailq",
    }
    uids = {"qmails": 2016, "root": 0, "qmailr": 2015, "qmailq": 2014}

    def running():
        found = {}
        for pid in host.pids():
            try:
                proc = psutil.Process(pid)
                found[proc.name()] = proc.uids().real
            except psutil.NoSuchProcess:
                continue
        return {name: found.get(name) for name in wanted}

    expected = {n: uids[u] for n, u in wanted.items()}
    assert wait_for(lambda: running() == expected), running()
    assert wait_for(lambda: "status: local 0/10 remote 0/20" in maillog(host))


def test_smtp_delivers_into_the_users_maildir(host):
    client = connect(host)
    code, text = client.ehlo("client.example.net")
    assert (code, text) == (250, b"mail.example.org\nPIPELINING\n8BITMIME")
    assert (
        client.sendmail(
            "someone@example.net",
            ["admin@mail.example.org"],
            "Subject: hello\r\n\r\nHello admin.\r\n",
        )
        == {}
    )
    assert client.quit() == (221, b"mail.example.org")
    new = host.path("/home/admin/Maildir/new")
    delivered = wait_for(lambda: [p for p in new.iterdir() if "Hello admin." in p.read_text()])
    assert delivered, maillog(host)
    text = delivered[0].read_text()
    assert text.startswith(
        "Return-Path: <someone@example.net>\n"
        "Delivered-To: admin@mail.example.org\n"
        "Received: (qmail "
    )
    assert " invoked from network); " in text
    assert delivered[0].stat().st_uid == 1000
    # qmail-local writes the message before qmail-send hears of it and logs
    assert wait_for(lambda: "delivery 1: success: did_1+0+0/" in maillog(host)), maillog(host)
    log = maillog(host)
    assert "to local admin@mail.example.org" in log


def test_relaying_only_for_relayclients(host):
    # a second address of this host, added as on NetBSD (lo0 has only 127.0.0.1)
    assert host.exec(["ifconfig", "lo0", "inet", "alias", "127.0.0.2"]).returncode == 0
    outsider = connect(host, source="127.0.0.2")
    outsider.ehlo("outside.example.net")
    assert outsider.mail("spammer@example.net") == (250, b"ok")
    assert outsider.rcpt("victim@elsewhere.example.com") == (
        553,
        b"sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",
    )
    assert outsider.rcpt("anybody@mail.example.org") == (250, b"ok")
    outsider.quit()
    insider = connect(host)
    insider.helo("localhost")
    insider.mail("admin@mail.example.org")
    assert insider.rcpt("friend@elsewhere.example.com") == (250, b"ok")
    assert insider.rset() == (250, b"flushed")
    assert insider.docmd("DATA") == (503, b"MAIL first (#5.5.1)")
    assert insider.docmd("VRFY", "admin") == (252, b"send some mail, i'll try my best")
    assert insider.docmd("EXPN", "admin") == (502, b"unimplemented (#5.5.1)")
    insider.quit()


def test_remote_mail_is_deferred_and_stays_queued(host):
    done = host.exec(
        ["qmail-inject", "-f", "admin@mail.example.org", "far@remote.example.com"],
        input="Subject: away\n\nbye\n",
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert wait_for(
        lambda: "deferral: Sorry,_I_couldn't_find_any_host_by_that_name._(#4.1.2)/" in maillog(host)
    )
    stat = host.exec(["qmail-qstat"])
    assert stat.stdout == ("messages in queue: 1\nmessages in queue but not yet preprocessed: 0\n")
    qread = host.exec(["qmail-qread"]).stdout
    assert "<admin@mail.example.org>" in qread and "\tremote\tfar@remote.example.com\n" in qread


def test_comment_only_alias_discards(host):
    before = set(host.path("/home/admin/Maildir/new").iterdir())
    done = host.exec(["qmail-inject", "postmaster@mail.example.org"], input="Subject: pm\n\nx\n")
    assert done.returncode == 0
    assert wait_for(lambda: "to local postmaster@mail.example.org" in maillog(host))
    log = wait_for(
        lambda: [line for line in maillog(host).splitlines() if "success: did_0+0+0/" in line]
    )
    assert log, maillog(host)
    assert set(host.path("/home/admin/Maildir/new").iterdir()) == before


def test_mbox_delivery_with_dot_qmail(host):
    host.sh("echo ./Mailbox > /home/admin/.qmail-box && chown admin /home/admin/.qmail-box")
    done = host.exec(
        ["qmail-inject", "-f", "sender@example.net", "admin-box@mail.example.org"],
        input="Subject: mbox\n\nFrom the start\n",
    )
    assert done.returncode == 0
    mbox = host.path("/home/admin/Mailbox")
    assert wait_for(lambda: mbox.exists() and "mbox" in mbox.read_text()), maillog(host)
    text = mbox.read_text()
    assert text.startswith("From sender@example.net  ")
    assert "Delivered-To: admin-box@mail.example.org\n" in text
    assert "\n>From the start\n" in text
    assert mbox.stat().st_uid == 1000


def test_unknown_extension_bounces_to_sender(host):
    done = host.exec(
        ["qmail-inject", "-f", "admin@mail.example.org", "admin-nobody@mail.example.org"],
        input="Subject: lost\n\nx\n",
    )
    assert done.returncode == 0
    assert wait_for(
        lambda: "failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/" in maillog(host)
    )
    new = host.path("/home/admin/Maildir/new")
    bounce = wait_for(lambda: [p for p in new.iterdir() if "failure notice" in p.read_text()])
    assert bounce, maillog(host)
    text = bounce[0].read_text()
    assert "Hi. This is the qmail-send program at mail.example.org.\n" in text
    assert (
        "<admin-nobody@mail.example.org>:\nSorry, no mailbox here by that name. (#5.1.1)\n" in text
    )
    assert "Return-Path: <>\n" in text


def test_pop3_serves_the_maildir(host):
    set_password(host, "admin", "secret")
    done = host.sh(
        "(tcpserver -qRHl0 127.0.0.1 110 qmail-popup mail.example.org"
        " checkpassword qmail-pop3d Maildir) >/dev/null 2>&1 &"
    )
    assert done.returncode == 0

    def attempt():
        try:
            return SandboxPOP3(host)
        except OSError:
            return None

    pop = wait_for(attempt)
    assert pop.getwelcome().startswith(b"+OK <")
    pop.user("admin")
    with pytest.raises(poplib.error_proto, match="authorization failed"):
        pop.pass_("wrong")
    pop.user("admin")
    pop.pass_("secret")
    count, _ = pop.stat()
    assert count >= 1
    _, lines, _ = pop.retr(1)
    assert any(line.startswith(b"Delivered-To: ") for line in lines)
    pop.quit()


def test_maildirmake_messages(host):
    again = host.exec(["maildirmake", "/home/admin/Maildir"])
    assert (again.returncode, again.stderr) == (
        111,
        "maildirmake: fatal: unable to mkdir /home/admin/Maildir: file already exists\n",
    )
    assert host.exec(["maildirmake"]).returncode == 100


def test_sigterm_ends_the_family_and_frees_the_port(host):
    """Last in this module: stops the daemons."""

    def named(name):
        found = []
        for pid in host.pids():
            try:
                proc = psutil.Process(pid)
                # a program started by hand from a shell runs as its interpreter with
                # the script's path among the first words (the sandbox's simplification)
                words = [w.rsplit("/", 1)[-1] for w in proc.cmdline()[:3]]
                if proc.name() == name or name in words:
                    found.append(proc)
            except psutil.NoSuchProcess:
                continue
        return found

    family = [
        p for n in ("qmail-send", "qmail-lspawn", "qmail-rspawn", "qmail-clean") for p in named(n)
    ]
    assert wait_for(lambda: "status: local 0/10 remote 0/20" in maillog(host))  # it is up
    send = named("qmail-send")[0]
    send.terminate()
    assert wait_for(
        lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in family)
    )
    assert wait_for(lambda: "status: exiting" in maillog(host))
    server = [p for n in ("tcpserver", "sslserver") for p in named(n) if "25" in p.cmdline()]
    assert server
    server[0].terminate()

    listeners = SandboxHost(host.paths.base).listeners
    assert wait_for(lambda: not [x for x in listeners() if x.port == 25])
