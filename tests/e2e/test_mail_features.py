"""Issue 14: a profile with every mail key (profiles/mail-host.yaml, its routes pointed at
a fake remote MX in the sandbox) applied on a fresh sandbox of each flavor, verify
passing; the files it brings with their modes, the services, a second plan that changes
nothing, and real clients nobody here wrote, run inside the sandbox: openssl s_client
-starttls smtp, curl with AUTH PLAIN (2017Q1: qmail-smtpd on 25; 2020Q2: submission on
587), POP3 (see test_pop3_lists_the_mailbox for why not curl), the fake MX recording the
SRS0 sender through the route, databytes, realrcptto.

One applied sandbox per flavor (module fixture); 2017Q1 is a source build.
"""

from __future__ import annotations

import json
import re
import ssl
import sys

import pytest

from tests.e2e.cli import ROOT, installed_sandbox, wizard
from tests.polling import wait_for
from tui.backend.profile import dump, load
from tui.sandbox.handle import Sandbox

sys.path.insert(0, str(ROOT / "tests" / "sandbox"))
from qmailhost import CURL_TLS, PLAIN, SandboxPOP3, set_password, start_sink

PROFILE = ROOT / "profiles" / "mail-host.yaml"
CONTROL = "/usr/pkg/etc/qmail/control"
ALIAS = "/usr/pkg/etc/qmail/alias"
SINK = "127.0.0.1:2526"
SINK_LOG = "/root/sink.log"
SRS0 = re.compile(r"<SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=origin\.example=alice@srs\.example\.org>")
#: where a user submits with AUTH: 2017Q1's tls patch in qmail-smtpd, 2020Q2's
#: qmailofmipd (authup) on the submission port
SUBMIT = {"2017Q1": "smtp://127.0.0.1:25", "2020Q2": "smtp://127.0.0.1:587"}
#: curl's error without AUTH: qmail-smtpd refuses the relay at RCPT, authup wants AUTH first
NO_AUTH = {"2017Q1": "curl: (55) RCPT failed: 553", "2020Q2": "curl: (55) MAIL failed: 530"}

pytestmark = pytest.mark.slow


def _profile(tmp_path) -> str:
    """mail-host.yaml with both routes to the fake MX (verify checks each route answers)."""
    wanted = load(PROFILE)
    wanted.mail.smtproutes = {"": SINK, "remote.example": SINK}
    path = tmp_path / "mail-host-sink.yaml"
    path.write_text(dump(wanted))
    return str(path)


@pytest.fixture(scope="module", params=["2017Q1", "2020Q2"])
def host(request, tmp_path_factory):
    base = tmp_path_factory.mktemp("mail")
    box = Sandbox.create(base / "box", flavor=request.param, pace=0.02)
    try:
        start_sink(box, int(SINK.rpartition(":")[2]), SINK_LOG)
        profile = _profile(base)
        applied = wizard(box, "apply", profile, "--yes")
        assert applied.returncode == 0, applied.stderr[-3000:] + applied.stdout[-3000:]
        set_password(box, "admin", "s3cret")
        box.flavor = request.param  # type: ignore[attr-defined]
        box.profile = profile  # type: ignore[attr-defined]
        yield box
    finally:
        box.kill()


def _ls(box, path: str) -> tuple[str, str, str]:
    done = box.sh(f"ls -l {path}")
    assert done.returncode == 0, done.stderr
    fields = done.stdout.split()
    return fields[0][:10], fields[2], fields[3]


def _sink_entry(box, subject: str):
    """The fake MX's record of the message with ``subject`` (None until it arrives)."""
    try:
        lines = box.read(SINK_LOG).splitlines()
    except FileNotFoundError:
        return None
    entries = [json.loads(line) for line in lines]
    return next((e for e in entries if f"Subject: {subject}" in e["data"]), None)


def test_files_and_modes(host):
    assert _ls(host, f"{CONTROL}/servercert.pem") == ("-rw-r-----", "qmaild", "qmail")
    assert _ls(host, f"{CONTROL}/srs_secrets") == ("-rw-r-----", "qmails", "nofiles")
    assert len(host.read(f"{CONTROL}/srs_secrets").strip()) == 64  # 32 random bytes, hex
    assert host.read(f"{CONTROL}/srs_domain") == "srs.example.org\n"
    assert host.read(f"{CONTROL}/smtproutes") == f":{SINK}\nremote.example:{SINK}\n"
    assert host.read(f"{CONTROL}/databytes") == "10485760\n"
    assert "srs.example.org" in host.read(f"{CONTROL}/rcpthosts").split()
    assert "srs.example.org:srs" in host.read(f"{CONTROL}/virtualdomains").split()
    assert host.read(f"{ALIAS}/.qmail-srs-default") == "| /usr/pkg/bin/srsfilter\n"
    assert host.read(f"{ALIAS}/.qmail-fwd") == "&someone@remote.example\n&admin\n"
    rc_conf = host.read("/etc/rc.conf")
    if host.flavor == "2017Q1":
        assert _ls(host, "/usr/pkg/bin/checkpassword")[:2] == ("-r-sr-xr-x", "root")
        assert 'qmailsmtpd_postsmtpd="/usr/pkg/bin/checkpassword /usr/bin/true"' in rc_conf
        info = host.exec(["pkg_info", "-Q", "PKG_OPTIONS", "qmail"]).stdout.split()
        assert {"tls", "sasl", "qmail-srs", "qmail-realrcptto"} <= set(info)
        assert host.exec(["pkg_info", "-e", "mess822"]).returncode == 0
        assert host.read("/usr/pkg/etc/qmail/tcp.smtp") == ":allow\n"  # relay_from: []
    else:
        assert _ls(host, f"{CONTROL}/dh2048.pem")[1] == "root"
        assert "qmailsmtpd_tls=YES" in rc_conf and "qmailofmipd_tls=YES" in rc_conf
        # qmail-run's 127. relay rule goes (relay_from: []); everyone keeps STARTTLS
        assert host.read(f"{CONTROL}/tcprules/smtp") == ':allow,UCSPITLS=""\n'
        assert host.read(f"{CONTROL}/tcprules/ofmip") == ':allow,UCSPITLS="!"\n'
    for service in ("qmailsend", "qmailsmtpd", "qmailpop3d", "qmailofmipd"):
        assert f"{service}=YES" in rc_conf
        status = host.exec([f"/etc/rc.d/{service}", "status"])
        assert status.returncode == 0, status.stdout + status.stderr


def test_verify_passes_with_live_tls_checks(host):
    done = wizard(host, "verify", "--format", "json", timeout=120)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    checks = {c["id"]: c for c in json.loads(done.stdout)}
    for name in ("tls-starttls", "tls-certificate", "smtp-auth", "auth-relay", "pop3-login"):
        assert checks[name]["ok"], checks[name]
    assert "not tried" not in checks["tls-starttls"]["detail"]
    assert {"route-default", "route-remote.example"} <= set(checks)


def test_second_plan_changes_nothing(host):
    done = wizard(host, "plan", host.profile)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]  # 2: changes
    assert "Nothing to do: the host matches the profile." in done.stdout


def test_starttls_certificate_names_me(host):
    done = host.sh(
        "echo QUIT | OPENSSL_CONF=/dev/null timeout 30 openssl s_client -starttls smtp"
        " -connect 127.0.0.1:25 -crlf -ign_eof 2>&1"
    )
    assert "subject=CN = mail.example.org" in done.stdout, done.stdout[-2000:]
    end = host.sh(
        f"OPENSSL_CONF=/dev/null openssl x509 -checkend 2592000 -noout -in {CONTROL}/servercert.pem"
    )
    assert end.returncode == 0, end.stdout  # valid for 30 days or more


def _send(box, url: str, *auth: str, subject: str = "t"):
    box.path("/root/m").write_text(f"Subject: {subject}\r\n\r\nhi\r\n")
    argv = [*CURL_TLS, *auth, "--mail-from", "admin@mail.example.org"]
    argv += ["--mail-rcpt", "someone@remote.example"]
    return box.exec([*argv, "--upload-file", "/root/m", url])


def test_auth_relays_and_no_auth_or_a_wrong_password_is_refused(host):
    url = SUBMIT[host.flavor]
    sent = _send(host, url, *PLAIN, "--user", "admin:s3cret", subject="authed")
    assert sent.returncode == 0, sent.stderr
    assert wait_for(lambda: _sink_entry(host, "authed"), timeout=30), host.read("/var/log/maillog")
    refused = _send(host, url)
    assert (refused.returncode, refused.stderr.strip()) == (55, NO_AUTH[host.flavor])
    wrong = _send(host, url, *PLAIN, "--user", "admin:wrong")
    assert (wrong.returncode, wrong.stderr.strip()) == (67, "curl: (67) Login denied")


def test_pop3_lists_the_mailbox(host):
    """Both flavors' POP3 greetings carry an APOP timestamp (qmail-popup, authup), so
    `curl pop3://user:password@…` logs in with APOP, whatever --login-options say
    (``AUTH=<mech>`` is SASL, which neither server offers; ``AUTH=+APOP`` and ``AUTH=*``
    pick APOP; curl has no option for USER/PASS when APOP is possible), and APOP fails:
    checkpassword 0.90 cannot check a digest, authup refuses APOP before its login. So
    curl's refusal is shown, and the mailbox is listed with Python's poplib, USER/PASS
    (2020Q2: after STLS, which tcprules-pop3's UCSPITLS="!" requires)."""
    host.path("/root/p").write_text("Subject: for pop\r\n\r\nhi\r\n")
    argv = ["curl", "-sS", "smtp://127.0.0.1:25", "--mail-from", "alice@origin.example"]
    sent = host.exec([*argv, "--mail-rcpt", "admin@mail.example.org", "-T", "/root/p"])
    assert sent.returncode == 0, sent.stderr
    assert wait_for(lambda: list(host.path("/home/admin/Maildir/new").iterdir()), timeout=30)
    curl = host.exec([*CURL_TLS[:2], "--max-time", "30", "pop3://admin:s3cret@127.0.0.1/"])
    assert curl.returncode == 67, curl.stderr  # Login denied / Authentication failed
    pop = SandboxPOP3(host)
    assert pop.getwelcome().startswith(b"+OK <")
    if host.flavor == "2020Q2":
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        pop.stls(context)
    pop.user("admin")
    pop.pass_("s3cret")
    _, listing, _ = pop.list()
    assert listing, "the mailbox is empty"
    messages = [b"\n".join(pop.retr(int(row.split()[0]))[1]) for row in listing]
    assert any(b"Subject: for pop" in text for text in messages)
    pop.quit()


def test_route_and_srs_through_a_fake_mx(host):
    """mail to fwd@ leaves through the smtproutes entry with an SRS0 sender."""
    host.path("/root/f").write_text("Subject: fwd\r\n\r\nhello\r\n")
    argv = ["curl", "-sS", "smtp://127.0.0.1:25", "--mail-from", "alice@origin.example"]
    sent = host.exec([*argv, "--mail-rcpt", "fwd@mail.example.org", "-T", "/root/f"])
    assert sent.returncode == 0, sent.stderr
    entry = wait_for(lambda: _sink_entry(host, "fwd"), timeout=30)
    assert entry, host.read("/var/log/maillog")[-3000:]
    assert SRS0.fullmatch(entry["from"]), entry
    assert entry["to"] == ["<someone@remote.example>"]


def test_databytes_refuses_a_large_message(host):
    host.path("/root/big").write_text("Subject: big\r\n\r\n" + ("x" * 998 + "\r\n") * 10600)
    argv = ["curl", "-sSv", "smtp://127.0.0.1:25", "--mail-from", "alice@origin.example"]
    sent = host.exec([*argv, "--mail-rcpt", "admin@mail.example.org", "-T", "/root/big"])
    assert sent.returncode != 0
    assert "552 sorry, that message size exceeds my databytes limit" in sent.stderr


def test_unknown_local_recipient_is_refused_at_rcpt(host):
    # 2017Q1: the qmail-realrcptto patch (550); 2020Q2: qmail-spp runs qmail-rejectutils'
    # qmail-rcptcheck, control/rcptchecks names qmail-rcptcheck-realrcptto (553)
    code = {"2017Q1": 550, "2020Q2": 553}[host.flavor]
    argv = ["curl", "-sS", "smtp://127.0.0.1:25", "--mail-from", "alice@origin.example"]
    host.path("/root/u").write_text("Subject: nobody\r\n\r\nhi\r\n")
    sent = host.exec([*argv, "--mail-rcpt", "nobody-here@mail.example.org", "-T", "/root/u"])
    assert (sent.returncode, sent.stderr.strip()) == (55, f"curl: (55) RCPT failed: {code}")


@pytest.mark.parametrize("flavor", ["2017Q1", "2020Q2"])
def test_turning_srs_and_tls_on_for_an_installed_host(tmp_path, flavor):
    """Reconfiguration: default.yaml installed, then SRS and a self-signed certificate
    (2017Q1: a rebuild with qmail-srs and tls; 2020Q2: sslserver's knobs, the everyone
    rule gets UCSPITLS, 127. keeps relaying without TLS)."""
    wanted = load(ROOT / "profiles" / "default.yaml")
    wanted.install.method = "auto"
    wanted.mail.srs.domain = "srs.example.org"
    wanted.tls.certificate = "self-signed"
    profile = tmp_path / "on.yaml"
    profile.write_text(dump(wanted))
    with installed_sandbox(tmp_path / "box", flavor=flavor) as box:
        applied = wizard(box, "apply", str(profile), "--yes")
        assert applied.returncode == 0, applied.stderr[-3000:] + applied.stdout[-3000:]
        assert _ls(box, f"{CONTROL}/servercert.pem") == ("-rw-r-----", "qmaild", "qmail")
        assert _ls(box, f"{CONTROL}/srs_secrets") == ("-rw-r-----", "qmails", "nofiles")
        assert box.read(f"{ALIAS}/.qmail-srs-default") == "| /usr/pkg/bin/srsfilter\n"
        if flavor == "2017Q1":  # the tls patch offers STARTTLS to every client
            client = box.smtp(25, source="127.0.0.1")
            assert client.ehlo("client.example.net")[0] == 250 and client.has_extn("starttls")
            client.quit()
        else:  # 127. relays without TLS (qmail-run's tcprules-smtp), everyone else has it
            rules = box.read(f"{CONTROL}/tcprules/smtp")
            assert rules == '127.:allow,RELAYCLIENT=""\n:allow,UCSPITLS=""\n'
            checked = wizard(box, "verify", timeout=120)
            assert checked.returncode == 0, checked.stdout
            said = "PASS  tls-starttls: STARTTLS on port 25: not tried: no local client"
            assert said in checked.stdout, checked.stdout
        again = wizard(box, "plan", str(profile))
        assert again.returncode == 0, again.stdout[-3000:]
