"""2020Q2: STARTTLS on 25 through sslserver -n + fixsmtpio, submission on 587 through
reup + authup + nbcheckpassword + checknotroot + fixsmtpio + ofmipd, POP3 through
authup + nbcheckpassword + checknotroot + qmail-pop3d, each driven by real clients
inside the sandbox (the machine's openssl and curl, Python's poplib).

The host is set up by hand as an admin following the MESSAGEs would: a self-signed
control/servercert.pem and control/dh2048.pem (what update_tmprsadh makes), qmail-run's
control files (smtpcapabilities, pop3capabilities, fixsmtpio as upstream ships them),
tcprules with UCSPITLS, a password set with ``usermod -p "$(pwhash ...)"``, and the
2020Q2 rc.d scripts.
"""

from __future__ import annotations

import poplib
import ssl
import time

import pytest
from qmailhost import (
    CURL_TLS,
    PLAIN,
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
from tui.sandbox.install import write_stub

CONTROL = "/usr/pkg/etc/qmail/control"
EXTRA = {
    "sslserver": "sslserver",
    "authup": "authup",
    "fixsmtpio": "fixsmtpio",
    "reup": "reup",
    "checknotroot": "checknotroot",
    "nbcheckpassword": "nbcheckpassword",
    "greetdelay": "passthrough",
    "rblsmtpd": "passthrough",
    "argv0": "argv0",
    "setuidgid": "setuidgid",
    "pgrphack": "pgrphack",
    "softlimit": "softlimit",
    "multilog": "multilog",
}
#: qmail-run's control/fixsmtpio (pkgsrc mail/qmail-run/files/fixsmtpio), rules only.
FIXSMTPIO = (
    ":help::*::&fixsmtpio_fixup\n:greeting::2*::&fixsmtpio_fixup\n"
    ":helo::2*::&fixsmtpio_fixup\n:ehlo::2*::&fixsmtpio_fixup\n:quit::2*::&fixsmtpio_fixup\n"
    "AUTHUP_USER:greeting::2*::235 ok, go ahead (#2.0.0)\n"
    "AUTHUP_USER:clienteof::*:0:\n"
    "AUTHUP_USER:greeting::4*:14:&fixsmtpio_noop\nAUTHUP_USER:greeting::5*:15:&fixsmtpio_noop\n"
    "AUTHUP_USER:timeout::*:16:\n"
    "AUTHUP_USER:ehlo::250?AUTH*::\nAUTHUP_USER:auth:NOOP :*::502 unimplemented (#5.5.1)\n"
)
OFMIPD_WITH_USER_CDB = (
    '#!/bin/sh\nuser_cdb="$HOME/.ofmipd/rules.cdb"\n'
    'if [ -f "${user_cdb}" ]; then\n\texec /usr/pkg/bin/ofmipd "${user_cdb}" "$@"\n'
    'else\n\texec /usr/pkg/bin/ofmipd "$@"\nfi\n'
)
TCPRULES = {  # upstream's, minus the qmail-qfilter / greylisting settings
    "smtp": '127.0.0.1:allow,UCSPITLS=""\n127.:allow,RELAYCLIENT=""\n:allow,UCSPITLS=""\n',
    "ofmip": ':allow,UCSPITLS="!"\n',
    "pop3": ':allow,UCSPITLS="!"\n',
}
RC_CONF = "qmailsmtpd=YES\nqmailofmipd=YES\nqmailpop3d=YES\n"
MESSAGE = "Subject: submitted\r\n\r\nhello\r\n"


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    box = Sandbox.create(tmp_path_factory.mktemp("au") / "box", flavor="2020Q2", pace=0.02)
    try:
        setup(box, control={"concurrencysubmission": "5", "concurrencypop3": "5"})
        for name, program in EXTRA.items():
            write_stub(box.path(f"/usr/pkg/bin/{name}"), program)
        box.path("/usr/pkg/bin/ofmipd-with-user-cdb").write_text(OFMIPD_WITH_USER_CDB)
        box.path("/usr/pkg/bin/ofmipd-with-user-cdb").chmod(0o555)
        start_send(box)
        scripts = rcd.qmail_run_scripts("2020Q2", {})
        for name in ("qmailsmtpd", "qmailofmipd", "qmailpop3d"):
            box.path(f"/etc/rc.d/{name}").write_text(scripts[name])
            box.path(f"/etc/rc.d/{name}").chmod(0o555)
        control = box.path(CONTROL)
        (control / "smtpcapabilities").write_text("PIPELINING\n8BITMIME\n")
        (control / "pop3capabilities").write_text("TOP\nUIDL\n")
        (control / "fixsmtpio").write_text(FIXSMTPIO)
        (control / "tcprules").mkdir()
        for kind, rules in TCPRULES.items():
            (control / "tcprules" / kind).write_text(rules)
        set_password(box, "admin", "s3cret")
        sh_ok(
            box,
            "echo 'ucspissl:*:2020:' >> /etc/group"
            " && echo 'ucspissl:*:2020:2020::0:0:sslserver:/nonexistent:/sbin/nologin'"
            " >> /etc/master.passwd"
            " && echo 'ucspissl:*:2020:2020:sslserver:/nonexistent:/sbin/nologin' >> /etc/passwd"
            f" && printf '{MESSAGE}' > /root/message",
        )
        make_certificate(box, dhparams=True)
        with box.path("/etc/rc.conf").open("a") as fh:
            fh.write(RC_CONF)
        sh_ok(
            box,
            "/etc/rc.d/qmailsmtpd start && /etc/rc.d/qmailofmipd start"
            " && /etc/rc.d/qmailpop3d start",
        )
        for port in (25, 587, 110):
            assert wait_for(lambda p=port: listening(box, p)), f"nothing on port {port}"
        yield box
    finally:
        box.kill()


def test_starttls_on_25_through_sslserver_and_fixsmtpio(host):
    done = host.sh(
        "(sleep 3; echo EHLO client.example.net; sleep 1; echo QUIT; sleep 1)"
        " | OPENSSL_CONF=/dev/null openssl s_client -starttls smtp"
        " -connect 127.0.0.1:25 -crlf -ign_eof 2>/dev/null"
    )
    assert "subject=CN = mail.example.org" in done.stdout, done.stdout
    replies = [line for line in done.stdout.splitlines() if line[:3].isdigit()]
    # fixsmtpio 20181228 restarts qmail-smtpd after STARTTLS and passes its greeting on;
    # inside TLS, EHLO no longer offers STARTTLS
    assert replies[-5:] == [
        "220 mail.example.org ESMTP",
        "250-mail.example.org",
        "250-PIPELINING",
        "250 8BITMIME",
        "221 mail.example.org",
    ], done.stdout


def test_ehlo_on_25_offers_starttls_by_tcprules(host):
    client = host.smtp(25, source="127.0.0.1")
    code, text = client.ehlo("client.example.net")
    assert (code, text.decode()) == (250, "mail.example.org\nSTARTTLS\nPIPELINING\n8BITMIME")
    client.quit()
    assert (
        host.exec(["ifconfig", "lo0", "inet", "alias", "127.0.0.2"]).returncode == 0
    )  # lo0 has only 127.0.0.1
    client = host.smtp(25, source="127.0.0.2")  # 127.: no UCSPITLS, relaying
    code, text = client.ehlo("client.example.net")
    assert (code, text.decode()) == (250, "mail.example.org\nPIPELINING\n8BITMIME")
    assert client.docmd("STARTTLS") == (502, b"unimplemented (#5.5.1)")
    client.quit()


def _submit(box, *auth: str) -> tuple[int, str]:
    argv = [*CURL_TLS, *auth, "--mail-from", "admin@mail.example.org"]
    argv += ["--mail-rcpt", "someone@remote.example", "--upload-file", "/root/message"]
    done = box.exec([*argv, "smtp://127.0.0.1:587"])
    return done.returncode, done.stderr.strip()


def test_submission_relays_only_after_auth(host):
    assert _submit(host, *PLAIN, "--user", "admin:s3cret") == (0, "")
    assert wait_for(lambda: "to remote someone@remote.example" in host.read("/var/log/maillog"))
    code, err = _submit(host)
    assert (code, err) == (55, "curl: (55) MAIL failed: 530"), err
    started = time.monotonic()
    assert _submit(host, *PLAIN, "--user", "admin:wrong") == (67, "curl: (67) Login denied")
    assert time.monotonic() - started >= 5  # authup sleeps before 535


def test_submission_needs_tls_first(host):
    client = host.smtp(587, source="127.0.0.1")
    _, text = client.ehlo("client.example.net")
    assert text.decode() == "mail.example.org\nSTARTTLS\nAUTH LOGIN PLAIN\nPIPELINING\n8BITMIME"
    assert client.docmd("AUTH", "PLAIN AGFkbWluAHMzY3JldA==") == (
        530,
        b"authup Must start TLS first (#5.7.0)",
    )
    client.close()


def test_pop3_stls_user_pass_lists_the_maildir(host):
    sh_ok(host, "printf 'Subject: for pop\\n\\nbody\\n' | qmail-inject admin@mail.example.org")
    assert wait_for(lambda: list(host.path("/home/admin/Maildir/new").iterdir()))
    pop = SandboxPOP3(host)
    assert pop.getwelcome().startswith(b"+OK <")
    assert b"STLS" in b"".join(pop._longcmd("CAPA")[1])
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    pop.stls(ctx)
    pop.user("admin")
    pop.pass_("s3cret")
    _, listing, _ = pop.list()
    assert listing and listing[0].startswith(b"1 ")
    _, lines, _ = pop.retr(1)
    assert b"Subject: for pop" in lines
    pop.quit()


def test_pop3_refuses_plain_user_and_wrong_password(host):
    pop = SandboxPOP3(host)
    with pytest.raises(poplib.error_proto, match="Must start TLS first"):
        pop.user("admin")
    pop = SandboxPOP3(host)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    pop.stls(ctx)
    pop.user("admin")
    with pytest.raises(poplib.error_proto, match="authup authorization failed"):
        pop.pass_("wrong")


def test_curl_pop3_uses_apop_which_authup_lacks(host):
    """authup's greeting has a timestamp, so curl logs in with APOP, which authup
    answers with ``-ERR authup authorization first``."""
    done = host.exec([*CURL_TLS, "pop3://admin:s3cret@127.0.0.1/"])
    assert done.returncode == 67, done.stderr
