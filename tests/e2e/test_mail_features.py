"""Issue 14: profiles/mail-host.yaml (every mail key) applied on a fresh sandbox of each
flavor; the files it brings with their modes, the services, a second plan that changes
nothing, and (where the simulated host does it already) real clients: openssl
s_client -starttls, curl with AUTH PLAIN, a fake remote MX on the route, databytes.

One applied sandbox per flavor (module fixture); 2017Q1 is a source build.
"""

from __future__ import annotations

import json
import re
import sys

import pytest

from tests.e2e.cli import ROOT, installed_sandbox, wizard
from tests.polling import wait_for
from tui.backend.profile import dump, load
from tui.sandbox.handle import Sandbox

sys.path.insert(0, str(ROOT / "tests" / "sandbox"))
from qmailhost import set_password

PROFILE = ROOT / "profiles" / "mail-host.yaml"
CONTROL = "/usr/pkg/etc/qmail/control"
ALIAS = "/usr/pkg/etc/qmail/alias"
SINK_PORT = 2526
SINK_LOG = "/root/sink.log"
CURL = ["curl", "-sS", "--ssl-reqd", "--insecure", "--max-time", "30"]
PLAIN = ["--login-options", "AUTH=PLAIN"]
SRS0 = re.compile(r"<SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=origin\.example=alice@srs\.example\.org>")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["2017Q1", "2020Q2"])
def host(request, tmp_path_factory):
    box = Sandbox.create(tmp_path_factory.mktemp("mail") / "box", flavor=request.param, pace=0.02)
    try:
        applied = wizard(box, "apply", str(PROFILE), "--yes")
        assert applied.returncode == 0, applied.stderr[-3000:] + applied.stdout[-3000:]
        set_password(box, "admin", "s3cret")
        box.path("/root/smtpsink.py").write_text(
            (ROOT / "tests" / "sandbox" / "smtpsink.py").read_text()
        )
        done = box.sh(
            f"(/.sandbox/bin/python /root/smtpsink.py {SINK_PORT} {SINK_LOG} >/dev/null 2>&1 &)"
        )
        assert done.returncode == 0, done.stderr
        assert wait_for(lambda: _listening(box, SINK_PORT)), "the fake MX did not start"
        box.flavor = request.param  # type: ignore[attr-defined]
        yield box
    finally:
        box.kill()


def _listening(box, port: int) -> bool:
    try:
        box.connect(port, "127.0.0.1", timeout=2).close()
        return True
    except OSError:
        return False


def _ls(box, path: str) -> tuple[str, str, str]:
    done = box.sh(f"ls -l {path}")
    assert done.returncode == 0, done.stderr
    fields = done.stdout.split()
    return fields[0][:10], fields[2], fields[3]


def test_files_and_modes(host):
    assert _ls(host, f"{CONTROL}/servercert.pem") == ("-rw-r-----", "qmaild", "qmail")
    assert _ls(host, f"{CONTROL}/srs_secrets") == ("-rw-r-----", "qmails", "nofiles")
    assert len(host.read(f"{CONTROL}/srs_secrets").strip()) == 64  # 32 random bytes, hex
    assert host.read(f"{CONTROL}/srs_domain") == "srs.example.org\n"
    assert host.read(f"{CONTROL}/smtproutes") == (
        ":smarthost.example.net:587\nremote.example:127.0.0.1:2526\n"
    )
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
        assert {"tls", "sasl", "qmail-srs"} <= set(info)
        assert host.exec(["pkg_info", "-e", "mess822"]).returncode == 0
    else:
        assert _ls(host, f"{CONTROL}/dh2048.pem")[1] == "root"
        assert "qmailsmtpd_tls=YES" in rc_conf and "qmailofmipd_tls=YES" in rc_conf
    for service in ("qmailsend", "qmailsmtpd", "qmailpop3d", "qmailofmipd"):
        assert f"{service}=YES" in rc_conf
        status = host.exec([f"/etc/rc.d/{service}", "status"])
        assert status.returncode == 0, status.stdout + status.stderr


def test_second_plan_changes_nothing(host):
    done = wizard(host, "plan", str(PROFILE))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]  # 2: changes
    assert "Nothing to do: the host matches the profile." in done.stdout


def test_starttls_certificate_names_me(host):
    if host.flavor == "2020Q2":
        pytest.skip("2020Q2 STARTTLS is sslserver -n + fixsmtpio: not simulated yet")
    done = host.sh(
        "echo QUIT | OPENSSL_CONF=/dev/null openssl s_client -starttls smtp"
        " -connect 127.0.0.1:25 -crlf -ign_eof 2>&1"
    )
    assert "subject=CN = mail.example.org" in done.stdout, done.stdout[-2000:]
    end = host.sh(
        f"OPENSSL_CONF=/dev/null openssl x509 -checkend 2592000 -noout -in {CONTROL}/servercert.pem"
    )
    assert end.returncode == 0, end.stdout  # valid for 30 days or more


def _send(box, *auth: str, rcpt: str = "someone@remote.example", body: str = "hi"):
    box.path("/root/m").write_text(f"Subject: t\r\n\r\n{body}\r\n")
    argv = [*CURL, *auth, "--mail-from", "admin@mail.example.org", "--mail-rcpt", rcpt]
    return box.exec([*argv, "--upload-file", "/root/m", "smtp://127.0.0.1:25"])


def test_auth_relays_and_no_auth_is_refused(host):
    if host.flavor == "2020Q2":
        pytest.skip("2020Q2 AUTH is authup on 587: not simulated yet")
    sent = _send(host, *PLAIN, "--user", "admin:s3cret")
    assert sent.returncode == 0, sent.stderr
    refused = _send(host)
    assert (refused.returncode, refused.stderr.strip()) == (55, "curl: (55) RCPT failed: 553")


def test_route_and_srs_through_a_fake_mx(host):
    """mail to fwd@ leaves through the smtproutes entry with an SRS0 sender."""
    host.path("/root/f").write_text("Subject: fwd\r\n\r\nhello\r\n")
    argv = ["curl", "-sS", "smtp://127.0.0.1:25", "--mail-from", "alice@origin.example"]
    sent = host.exec([*argv, "--mail-rcpt", "fwd@mail.example.org", "-T", "/root/f"])
    assert sent.returncode == 0, sent.stderr

    def arrived():
        try:
            lines = host.read(SINK_LOG).splitlines()
        except FileNotFoundError:
            return None
        entries = [json.loads(line) for line in lines]
        return next((e for e in entries if "Subject: fwd" in e["data"]), None)

    entry = wait_for(arrived, timeout=30)
    assert entry, host.read("/var/log/maillog")[-3000:]
    assert SRS0.fullmatch(entry["from"]), entry


def test_databytes_refuses_a_large_message(host):
    host.path("/root/big").write_text("Subject: big\r\n\r\n" + ("x" * 998 + "\r\n") * 10600)
    argv = ["curl", "-sSv", "smtp://127.0.0.1:25", "--mail-from", "alice@origin.example"]
    sent = host.exec([*argv, "--mail-rcpt", "admin@mail.example.org", "-T", "/root/big"])
    assert sent.returncode != 0
    assert "552 sorry, that message size exceeds my databytes limit" in sent.stderr


@pytest.mark.parametrize("flavor", ["2017Q1", "2020Q2"])
def test_turning_srs_and_tls_on_for_an_installed_host(tmp_path, flavor):
    """Reconfiguration: default.yaml installed, then SRS and a self-signed certificate
    (2017Q1: a rebuild with qmail-srs and tls)."""
    wanted = load(ROOT / "profiles" / "default.yaml")
    wanted.install.method = "auto"
    wanted.mail.srs.domain = "srs.example.org"
    wanted.tls.certificate = "self-signed"
    text = dump(wanted)
    profile = tmp_path / "on.yaml"
    profile.write_text(text)
    with installed_sandbox(tmp_path / "box", flavor=flavor) as box:
        applied = wizard(box, "apply", str(profile), "--yes")
        assert applied.returncode == 0, applied.stderr[-3000:] + applied.stdout[-3000:]
        assert _ls(box, f"{CONTROL}/servercert.pem") == ("-rw-r-----", "qmaild", "qmail")
        assert _ls(box, f"{CONTROL}/srs_secrets") == ("-rw-r-----", "qmails", "nofiles")
        assert box.read(f"{ALIAS}/.qmail-srs-default") == "| /usr/pkg/bin/srsfilter\n"
        again = wizard(box, "plan", str(profile))
        assert again.returncode == 0, again.stdout[-3000:]
