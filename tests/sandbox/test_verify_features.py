"""verify's feature checks (issue 14) on a 2017Q1 host set up by hand as an admin
would (like test_tls_auth and test_qmail_routes_srs): qmail built with tls (sasl) and
qmail-srs, control/servercert.pem, checkpassword setuid root in qmailsmtpd_postsmtpd,
qmailpop3d, SRS control files, an smtproutes relay served by a fake remote MX.

Each check passes; then each is broken by hand and must fail with its fix.  Also the
test messages: gone from the Maildir after verify, kept (marked) on request.
"""

from __future__ import annotations

import pytest
from qmailhost import PROGRAMS, listening, set_password, setup, sh_ok, start_sink

from tests.polling import wait_for
from tui.backend.hosts import SandboxHost
from tui.backend.verify import verify
from tui.sandbox import rcd
from tui.sandbox.handle import Sandbox

CONTROL = "/usr/pkg/etc/qmail/control"
ALIAS = "/usr/pkg/etc/qmail/alias"
OPTIONS = "djbware-errno-hack qmail-bigdns qmail-netqmail qmail-srs sasl tls"
SINK_PORT = 2526
RC_CONF = (
    "qmailsend=YES\nqmailsmtpd=YES\n"
    'qmailsmtpd_postsmtpd="/usr/pkg/bin/checkpassword /usr/bin/true"\n'
    "qmailpop3d=YES\n"
)
MAILDIR = "/home/admin/Maildir"
FEATURES = ("tls-starttls", "tls-certificate", "smtp-auth", "auth-relay", "pop3-login")
FEATURES += ("route-remote.example", "secrets-private", "srs")
MARK = "X-qmail-wizard-verify: "


def _cert(box, days: int, name: str = "mail.example.org") -> None:
    """A self-signed certificate and key in servercert.pem (640 qmaild:qmail)."""
    pem = f"{CONTROL}/servercert.pem"
    sh_ok(
        box,
        f"OPENSSL_CONF=/dev/null openssl req -new -x509 -nodes -days {days}"
        f" -subj /CN={name} -out {pem} -keyout {pem} 2>/dev/null"
        f" && chmod 640 {pem} && chown qmaild:qmail {pem}",
    )


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    box = Sandbox.create(tmp_path_factory.mktemp("vf") / "box", flavor="2017Q1", pace=0.02)
    try:
        extra = ["argv0", "setuidgid", "pgrphack", "softlimit", "multilog", "srsfilter"]
        setup(box, programs=PROGRAMS + extra)
        info = box.path("/var/db/pkg/qmail-1.03nb27/+BUILD_INFO")
        info.parent.mkdir(parents=True)
        info.write_text(f"PKG_OPTIONS={OPTIONS}\n")
        (info.parent / "+CONTENTS").write_text("@name qmail-1.03nb27\n")  # pkg_info lists it
        (info.parent / "+COMMENT").write_text("Secure, reliable, efficient, simple MTA\n")
        scripts = rcd.qmail_run_scripts("2017Q1", {})
        for name in ("qmailsend", "qmailsmtpd", "qmailpop3d"):
            box.path(f"/etc/rc.d/{name}").write_text(scripts[name])
            box.path(f"/etc/rc.d/{name}").chmod(0o555)
        set_password(box, "admin", "s3cret")
        _cert(box, 366)
        for name, text in {
            "rcpthosts": "mail.example.org\nlocalhost\nsrs.example.org",
            "virtualdomains": "srs.example.org:srs",
            "srs_domain": "srs.example.org",
            "srs_secrets": "not-a-real-secret",
            "smtproutes": f"remote.example:127.0.0.1:{SINK_PORT}",
        }.items():
            box.path(f"{CONTROL}/{name}").write_text(text + "\n")
        for name in ("postmaster", "root", "mailer-daemon"):
            box.path(f"{ALIAS}/.qmail-{name}").write_text("&admin\n")
        box.path(f"{ALIAS}/.qmail-srs-default").write_text("| /usr/pkg/bin/srsfilter\n")
        sh_ok(
            box,
            f"chgrp nofiles {CONTROL}/srs_secrets && chmod 640 {CONTROL}/srs_secrets"
            " && chmod 4555 /usr/pkg/bin/checkpassword"
            " && ifconfig lo0 inet alias 127.0.0.2"  # a client that may not relay
            " && cd /usr/pkg/etc/qmail && printf '127.0.0.1:allow,RELAYCLIENT=\"\"\\n:allow\\n'"
            " > tcp.smtp && printf ':allow\\n' > tcp.pop3 && echo 5 > control/concurrencypop3"
            " && tcprules tcp.smtp.cdb tcp.smtp.tmp < tcp.smtp"
            " && tcprules tcp.pop3.cdb tcp.pop3.tmp < tcp.pop3",
        )
        with box.path("/etc/rc.conf").open("a") as fh:
            fh.write(RC_CONF)
        start_sink(box, SINK_PORT, "/root/sink.log")
        sh_ok(
            box,
            "/etc/rc.d/qmailsend start && /etc/rc.d/qmailsmtpd start && /etc/rc.d/qmailpop3d start",
        )
        for port in (25, 110, SINK_PORT):
            assert wait_for(lambda p=port: listening(box, p)), f"nothing on port {port}"
        yield box
    finally:
        box.kill()


def _checks(box, **kwargs) -> dict:
    return {c.id: c for c in verify(SandboxHost(box.paths.base), **kwargs)}


def _marked(box) -> list[str]:
    """The files in admin's Maildir that carry verify's mark."""
    found = []
    for sub in ("new", "cur"):
        for path in box.path(f"{MAILDIR}/{sub}").iterdir():
            if MARK in path.read_text(errors="replace"):
                found.append(path.read_text(errors="replace"))
    return found


def test_every_feature_check_passes_and_test_messages_are_removed(box):
    checks = _checks(box)
    for cid in FEATURES:
        assert cid in checks, sorted(checks)
        assert checks[cid].ok, (cid, checks[cid].detail, checks[cid].fix)
    assert checks["delivery"].ok and "removed again" in checks["delivery"].detail
    assert "SRS0=" in checks["srs"].detail and "@srs.example.org" in checks["srs"].detail
    assert "mail.example.org" in checks["tls-certificate"].detail
    assert "AUTH LOGIN PLAIN" in checks["smtp-auth"].detail
    assert "553" in checks["auth-relay"].detail
    assert _marked(box) == []
    assert not [p for p in box.path(ALIAS).iterdir() if "qmail-wizard-srs" in p.name]


def test_keep_test_message_leaves_marked_messages(box):
    checks = _checks(box, keep_test_message=True)
    assert checks["delivery"].ok and "kept" in checks["delivery"].detail
    kept = _marked(box)
    assert len(kept) == 2  # the delivery check's and the SRS forward's
    assert all("Subject: qmail-wizard verify test message" in text for text in kept)
    assert any("Return-Path: <SRS0=" in text for text in kept)
    sh_ok(box, f"grep -l '^{MARK}' {MAILDIR}/new/* | xargs rm -f")


def test_no_certificate_fails_with_the_openssl_fix(box):
    pem = box.path(f"{CONTROL}/servercert.pem")
    saved = pem.read_bytes()
    pem.unlink()
    try:
        check = _checks(box, delivery=False)["tls-starttls"]
    finally:
        pem.write_bytes(saved)
        sh_ok(
            box,
            f"chmod 640 {CONTROL}/servercert.pem && chown qmaild:qmail {CONTROL}/servercert.pem",
        )
    assert not check.ok
    assert "does not offer STARTTLS" in check.detail and "servercert.pem missing" in check.detail
    assert "openssl req -new -x509" in check.fix and "-subj /CN=mail.example.org" in check.fix


def test_expiring_or_misnamed_certificate_fails(box):
    pem = box.path(f"{CONTROL}/servercert.pem")
    saved = pem.read_bytes()
    try:
        _cert(box, 10)
        soon = _checks(box, delivery=False)["tls-certificate"]
        _cert(box, 366, "other.example.net")
        misnamed = _checks(box, delivery=False)["tls-certificate"]
    finally:
        pem.write_bytes(saved)
    assert not soon.ok and "in less than 30 days" in soon.detail
    assert f"replace {CONTROL}/servercert.pem" in soon.fix
    assert not misnamed.ok and "names other.example.net, not mail.example.org" in misnamed.detail


def test_world_readable_secret_fails_with_chmod(box):
    sh_ok(box, f"chmod 644 {CONTROL}/srs_secrets")
    try:
        check = _checks(box, delivery=False)["secrets-private"]
    finally:
        sh_ok(box, f"chmod 640 {CONTROL}/srs_secrets")
    assert not check.ok and f"{CONTROL}/srs_secrets (mode 644)" in check.detail
    assert check.fix == f"chmod o= {CONTROL}/srs_secrets"


def test_checkpassword_without_setuid_fails(box):
    sh_ok(box, "chmod 0555 /usr/pkg/bin/checkpassword")
    try:
        check = _checks(box, delivery=False)["smtp-auth"]
    finally:
        sh_ok(box, "chmod 4555 /usr/pkg/bin/checkpassword")
    assert not check.ok and "not setuid root" in check.detail
    assert (
        check.fix
        == "chown root /usr/pkg/bin/checkpassword && chmod 4555 /usr/pkg/bin/checkpassword"
    )


def test_stopped_route_sink_fails(box):
    sink = [
        p for p in SandboxHost(box.paths.base).processes() if "smtpsink.py" in " ".join(p.cmdline)
    ]
    assert sink
    sh_ok(box, f"kill {sink[0].pid}")
    try:
        assert wait_for(lambda: not listening(box, SINK_PORT))
        check = _checks(box, delivery=False)["route-remote.example"]
    finally:
        start_sink(box, SINK_PORT, "/root/sink.log")
        assert wait_for(lambda: listening(box, SINK_PORT))
    assert (
        not check.ok and f"127.0.0.1:{SINK_PORT} (line 1 of {CONTROL}/smtproutes)" in check.detail
    )
    assert f"correct line 1 of {CONTROL}/smtproutes" in check.fix


def test_srs_without_secret_fails(box):
    path = box.path(f"{CONTROL}/srs_secrets")
    path.write_text("")
    try:
        checks = _checks(box)
    finally:
        path.write_text("not-a-real-secret\n")
    assert not checks["srs"].ok and "missing or empty" in checks["srs"].detail
    assert "/dev/urandom" in checks["srs"].fix


def test_pop3_without_checkpassword_fails(box):
    sh_ok(box, "mv /usr/pkg/bin/checkpassword /usr/pkg/bin/checkpassword.off")
    try:
        check = _checks(box, delivery=False)["pop3-login"]
    finally:
        sh_ok(box, "mv /usr/pkg/bin/checkpassword.off /usr/pkg/bin/checkpassword")
    assert not check.ok and "qmailpop3d_checkpassword" in check.fix
