"""2017Q1 qmail built with ``tls`` (which implies ``sasl``): STARTTLS and SMTP AUTH in
qmail-smtpd, POP3 login through qmail-popup + checkpassword, each driven by real
clients inside the sandbox (the machine's openssl and curl, Python's poplib).

The host is set up by hand as an admin following the qmail MESSAGE and README.auth
would: a self-signed control/servercert.pem (640, qmaild:qmail), a password set with
``usermod -p "$(pwhash ...)"``, checkpassword made setuid root (qmail-smtpd runs as
qmaild), ``qmailsmtpd_postsmtpd="<checkpassword> /usr/bin/true"`` and the rc.d scripts.
"""

from __future__ import annotations

import poplib
import time

import pytest
from qmailhost import (
    CURL_TLS,
    PLAIN,
    PROGRAMS,
    SandboxPOP3,
    listening,
    make_certificate,
    set_password,
    setup,
    sh_ok,
    start_send,
)

from tests.polling import wait_for
from tui.sandbox import rcd
from tui.sandbox.handle import Sandbox

CONTROL = "/usr/pkg/etc/qmail/control"
OPTIONS = "djbware-errno-hack qmail-bigdns qmail-netqmail qmail-realrcptto sasl tls"
RC_CONF = (
    "qmailsmtpd=YES\n"
    'qmailsmtpd_postsmtpd="/usr/pkg/bin/checkpassword /usr/bin/true"\n'
    "qmailpop3d=YES\n"
)
MESSAGE = "Subject: relayed\r\n\r\nhello\r\n"


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    box = Sandbox.create(tmp_path_factory.mktemp("tls") / "box", flavor="2017Q1", pace=0.02)
    try:
        extra = ["argv0", "setuidgid", "pgrphack", "softlimit", "multilog"]
        setup(box, programs=PROGRAMS + extra)
        info = box.path("/var/db/pkg/qmail-1.03nb27/+BUILD_INFO")
        info.parent.mkdir(parents=True)
        info.write_text(f"PKG_OPTIONS={OPTIONS}\n")
        start_send(box)
        scripts = rcd.qmail_run_scripts("2017Q1", {})
        for name in ("qmailsmtpd", "qmailpop3d"):
            box.path(f"/etc/rc.d/{name}").write_text(scripts[name])
            box.path(f"/etc/rc.d/{name}").chmod(0o555)
        set_password(box, "admin", "s3cret")
        make_certificate(box, owner="qmaild:qmail")
        sh_ok(
            box,
            f"ln -s servercert.pem {CONTROL}/clientcert.pem"
            " && chmod 4555 /usr/pkg/bin/checkpassword"
            " && cd /usr/pkg/etc/qmail && printf '127.:allow\\n' > tcp.smtp"
            " && printf ':allow\\n' > tcp.pop3 && echo 5 > control/concurrencypop3"
            " && tcprules tcp.smtp.cdb tcp.smtp.tmp < tcp.smtp"
            " && tcprules tcp.pop3.cdb tcp.pop3.tmp < tcp.pop3"
            f" && printf '{MESSAGE}' > /root/message",
        )
        with box.path("/etc/rc.conf").open("a") as fh:
            fh.write(RC_CONF)
        sh_ok(box, "/etc/rc.d/qmailsmtpd start && /etc/rc.d/qmailpop3d start")
        for port in (25, 110):
            assert wait_for(lambda p=port: listening(box, p)), f"nothing on port {port}"
        yield box
    finally:
        box.kill()


def _relay(box, *auth: str) -> tuple[int, str]:
    argv = [*CURL_TLS, *auth, "--mail-from", "admin@mail.example.org"]
    argv += ["--mail-rcpt", "someone@remote.example", "--upload-file", "/root/message"]
    done = box.exec([*argv, "smtp://127.0.0.1:25"])
    return done.returncode, done.stderr


def test_starttls_handshake_with_the_servercert(host):
    done = host.sh(
        "echo QUIT | openssl s_client -starttls smtp -connect 127.0.0.1:25 -crlf -ign_eof 2>&1"
    )
    assert "subject=CN = mail.example.org" in done.stdout
    assert "250 AUTH LOGIN PLAIN CRAM-MD5" in done.stdout  # EHLO again, inside TLS
    assert "221 mail.example.org" in done.stdout


def test_ehlo_offers_starttls_only_before_tls(host):
    client = host.smtp(25, source="127.0.0.1")
    code, text = client.ehlo("client.example.net")
    assert (code, text.decode()) == (
        250,
        "mail.example.org\nSTARTTLS\nPIPELINING\n8BITMIME\nSIZE 0\nAUTH LOGIN PLAIN CRAM-MD5",
    )
    assert client.docmd("STARTTLS", "now") == (
        501,
        b"Syntax error (no parameters allowed) (#5.5.4)",
    )
    assert client.docmd("AUTH", "XOAUTH2") == (504, b"auth type unimplemented (#5.5.1)")
    client.quit()


def test_relay_after_auth_only(host):
    assert _relay(host, *PLAIN, "--user", "admin:s3cret") == (0, "")
    assert wait_for(lambda: "to remote someone@remote.example" in host.read("/var/log/maillog"))
    code, err = _relay(host)
    assert (code, err.strip()) == (55, "curl: (55) RCPT failed: 553")
    started = time.monotonic()
    code, err = _relay(host, *PLAIN, "--user", "admin:wrong")
    assert (code, err.strip()) == (67, "curl: (67) Login denied")
    assert time.monotonic() - started >= 5  # the patch's AUTHSLEEP


def test_cram_md5_is_refused_by_checkpassword(host):
    code, _ = _relay(host, "--user", "admin:s3cret")
    assert code == 67


def test_auth_without_checkprogram_or_setuid(host):
    host.sh("chmod 0555 /usr/pkg/bin/checkpassword")
    try:
        code, _ = _relay(host, *PLAIN, "--user", "admin:s3cret")
        assert code == 67  # qmaild's getpwnam sees '*': checkpassword says no
    finally:
        host.sh("chmod 4555 /usr/pkg/bin/checkpassword")


def test_pop3_login_lists_and_retrieves(host):
    sh_ok(host, "printf 'Subject: for pop\\n\\nbody\\n' | qmail-inject admin@mail.example.org")
    assert wait_for(lambda: list(host.path("/home/admin/Maildir/new").iterdir()))
    pop = SandboxPOP3(host)
    assert pop.getwelcome().startswith(b"+OK <")
    pop.user("admin")
    with pytest.raises(poplib.error_proto, match="authorization failed"):
        pop.pass_("wrong")
    pop.user("admin")
    pop.pass_("s3cret")
    _, listing, _ = pop.list()
    assert listing and listing[0].startswith(b"1 ")
    _, lines, _ = pop.retr(1)
    assert b"Subject: for pop" in lines
    pop.quit()


def test_curl_pop3_uses_apop_which_checkpassword_refuses(host):
    """qmail-popup's greeting has an APOP timestamp, so curl logs in with APOP; the
    digest goes to checkpassword 0.90 as the password and fails, as upstream."""
    done = host.exec(["curl", "-sS", "--max-time", "30", "pop3://admin:s3cret@127.0.0.1/"])
    assert done.returncode == 67, done.stderr
