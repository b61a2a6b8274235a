"""Issue 5: `verify` after `apply` of the default profile, then each classic failure.

One installed sandbox per flavor for the module; each failure case breaks one thing,
runs `verify` as a user would, and puts the thing back (the qmail-send kill comes last).
"""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.conftest import FAST
from tests.e2e.cli import ROOT, wizard
from tui.backend.hosts import SandboxHost
from tui.sandbox.handle import Sandbox

DEFAULT = str(ROOT / "profiles" / "default.yaml")
SYSCONF = "/usr/pkg/etc/qmail"
POSTFIX_MAILER = (
    "sendmail\t/usr/libexec/postfix/sendmail\nsend-mail\t/usr/libexec/postfix/sendmail\n"
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """flavor -> a sandbox of that flavor where `apply profiles/default.yaml` succeeded."""
    boxes: dict[str, Sandbox] = {}

    def get(flavor: str) -> Sandbox:
        if flavor not in boxes:
            box = Sandbox.create(tmp_path_factory.mktemp(flavor) / "sb", flavor=flavor, pace=FAST)
            boxes[flavor] = box
            applied = wizard(box, "apply", DEFAULT, "--yes", "-v")  # -v: every check
            assert applied.returncode == 0, applied.stderr + applied.stdout
            assert "PASS  delivery: " in applied.stdout and "checks pass" in applied.stdout
        return boxes[flavor]

    yield get
    for box in boxes.values():
        box.kill()


def checks_of(box) -> tuple[int, dict[str, dict]]:
    done = wizard(box, "verify", "--format", "json", timeout=60)
    return done.returncode, {c["id"]: c for c in json.loads(done.stdout)}


@pytest.mark.parametrize("flavor", ["2017Q1", "2020Q2"])
def test_verify_passes_after_apply_and_the_delivery_lands(installed, flavor):
    box = installed(flavor)
    started = time.monotonic()
    text = wizard(box, "verify")
    took = time.monotonic() - started
    assert text.returncode == 0, text.stdout + text.stderr
    assert text.stdout.rstrip().endswith("checks pass") and "FAIL" not in text.stdout
    rc, checks = checks_of(box)
    assert rc == 0 and all(c["ok"] and c["fix"] == "" for c in checks.values())
    for cid in (
        "qmail-send",
        "listener-qmailsmtpd",
        "listener-qmailqread",
        "smtp-greeting",
        "rcpthosts",
        "relay-refused",
        "relay-rules",
        "alias-root",
        "alias-postmaster",
        "alias-mailer-daemon",
        "postfix",
        "mailer-conf",
        "smtp-port",
        "delivery",
    ):
        assert cid in checks
    # no rc.conf knob: the rc.d script's own default address, port 25
    assert re.search(r"listens on \S+:25\b", checks["listener-qmailsmtpd"]["detail"])
    # the holder is named by argv[0] (ps's first word), not by the kernel's tcpserver
    argv0 = {"2017Q1": "qmailsmtpd", "2020Q2": "nbqmailsmtpd"}[flavor]
    assert checks["smtp-port"]["detail"].startswith(f"port 25 is held by {argv0} (pid ")
    assert checks["postfix"]["detail"].startswith("postfix is stopped; ")
    assert "'220 mail.example.org" in checks["smtp-greeting"]["detail"]
    # 127. relays in the default profile and lo0 holds only 127.0.0.1: not tried, said why
    assert checks["relay-refused"]["detail"].startswith(
        "only the static check was done: the live relay attempt was not tried (every "
        "address of this host may relay (127.0.0.1 may relay by the rule '127."
    )
    delivered = checks["delivery"]["detail"]
    path = delivered.split("delivered to ", 1)[1].split(" in ", 1)[0]
    assert path.startswith("/home/admin/Maildir/new/") and "(removed again)" in delivered
    assert not box.path(path).exists()  # verify takes its test message away again
    assert took < 10
    kept = wizard(box, "verify", "--keep-test-message", "--format", "json", timeout=60)
    detail = next(c["detail"] for c in json.loads(kept.stdout) if c["id"] == "delivery")
    path = detail.split("delivered to ", 1)[1].split(" in ", 1)[0]
    text = box.read(path)
    assert "\nX-qmail-wizard-verify: " in text and "Subject: qmail-wizard verify test" in text
    box.path(path).unlink()


def test_relay_refused_live_from_a_non_relay_client(installed):
    """verify connects only from addresses the host has: 127.0.0.2 once it is an alias."""
    box = installed("2017Q1")
    rules = box.read(f"{SYSCONF}/tcp.smtp")
    box.path(f"{SYSCONF}/tcp.smtp").write_text('127.0.0.1:allow,RELAYCLIENT=""\n:allow\n')
    box.exec(["/etc/rc.d/qmailsmtpd", "cdb"])
    try:
        rc, checks = checks_of(box)
        assert rc == 0
        assert (
            "not tried (every address of this host may relay (127.0.0.1 may relay by the "
            "rule '127.0.0.1:allow,RELAYCLIENT=\"\"'))" in checks["relay-refused"]["detail"]
        )
        assert box.exec(["ifconfig", "lo0", "inet", "alias", "127.0.0.2"]).returncode == 0
        rc, checks = checks_of(box)
        assert rc == 0
        assert checks["relay-refused"]["detail"] == (
            "from 127.0.0.2, RCPT TO:<relay-test@qmail-wizard.invalid> was refused: 553 "
            "sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"
        )
    finally:
        box.exec(["ifconfig", "lo0", "inet", "127.0.0.2", "-alias"])
        box.path(f"{SYSCONF}/tcp.smtp").write_text(rules)
        box.exec(["/etc/rc.d/qmailsmtpd", "cdb"])


def _write(path: str, text: str):
    def act(box):
        box.path(path).write_text(text)

    return act


def _replace(path: str, old: str, new: str, then: list[str] | None = None):
    def act(box):
        box.path(path).write_text(box.read(path).replace(old, new))
        if then:
            box.exec(then)

    return act


def _rename(old: str, new: str):
    def act(box):
        box.path(old).rename(box.path(new))

    return act


CDB = ["/etc/rc.d/qmailsmtpd", "cdb"]
BROKEN = {
    "comment-only .qmail-root": (
        _write(
            f"{SYSCONF}/alias/.qmail-root", "# pkgsrc says: replace this comment with your config\n"
        ),
        "alias-root",
        [
            f"{SYSCONF}/alias/.qmail-root: it holds only comments",
            "throws mail to root away without a bounce",
        ],
        f"echo '&admin' > {SYSCONF}/alias/.qmail-root",
    ),
    "empty rcpthosts": (
        _write(f"{SYSCONF}/control/rcpthosts", ""),
        "rcpthosts",
        [f"{SYSCONF}/control/rcpthosts is empty"],
        f"echo mail.example.org >> {SYSCONF}/control/rcpthosts",
    ),
    "catch-all RELAYCLIENT": (
        _replace(f"{SYSCONF}/tcp.smtp", "\n:allow\n", '\n:allow,RELAYCLIENT=""\n', CDB),
        "relay-rules",
        [
            f'{SYSCONF}/tcp.smtp line 2 (:allow,RELAYCLIENT="") grants RELAYCLIENT to every client',
            "open relay",
        ],
        "/etc/rc.d/qmailsmtpd cdb",
    ),
    "postfix=YES in rc.conf": (
        _replace("/etc/rc.conf", "\npostfix=NO\n", "\npostfix=YES\n"),
        "postfix",
        ["postfix is enabled: /etc/rc.conf:", "sets postfix=YES"],
        "set postfix=NO in /etc/rc.conf",
    ),
    "mailer.conf at postfix": (
        _write("/etc/mailer.conf", POSTFIX_MAILER),
        "mailer-conf",
        ["/etc/mailer.conf maps sendmail to /usr/libexec/postfix/sendmail"],
        "cp /usr/pkg/share/examples/qmail-run/mailer.conf /etc/mailer.conf",
    ),
    "delivery never arrives": (
        _rename("/home/admin/Maildir", "/home/admin/Maildir.away"),
        "delivery",
        [
            "the message to postmaster to /home/admin/Maildir was not delivered",
            "the maillog says:",
            "deferral",
        ],
        "setuidgid admin maildirmake /home/admin/Maildir",
    ),
}
RESTORE = {
    "catch-all RELAYCLIENT": CDB,
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_verify_fails_naming_the_problem_and_the_fix(installed, case):
    box = installed("2017Q1")
    breaks, cid, details, fix = BROKEN[case]
    files = [
        "/etc/rc.conf",
        "/etc/mailer.conf",
        f"{SYSCONF}/tcp.smtp",
        f"{SYSCONF}/control/rcpthosts",
        f"{SYSCONF}/alias/.qmail-root",
    ]
    saved = {p: box.read(p) for p in files}
    breaks(box)
    try:
        started = time.monotonic()
        text = wizard(box, "verify", timeout=60)
        took = time.monotonic() - started
        assert text.returncode == 1, text.stdout
        rc, checks = checks_of(box)
        assert rc == 1
        assert not checks[cid]["ok"], checks[cid]
        for detail in details:
            assert detail in checks[cid]["detail"], checks[cid]["detail"]
        assert fix in checks[cid]["fix"], checks[cid]["fix"]
        assert f"FAIL  {cid}: " in text.stdout and f"      fix: {checks[cid]['fix']}" in text.stdout
        assert took < 8, took  # a deferral ends the wait; nothing waits the full 10 s
    finally:
        for path, text_ in saved.items():
            box.path(path).write_text(text_)
        if box.path("/home/admin/Maildir.away").exists():
            box.path("/home/admin/Maildir.away").rename(box.path("/home/admin/Maildir"))
        if case in RESTORE:
            box.exec(RESTORE[case])


def test_killed_qmail_send_is_named_with_its_fix(installed):
    box = installed("2020Q2")
    host = SandboxHost(box.paths.base)
    pid = next(p.pid for p in host.processes() if p.name == "qmail-send")
    box.sh(f"kill -9 {pid}")
    rc, checks = checks_of(box)
    assert rc == 1
    check = checks["qmail-send"]
    assert not check["ok"] and "qmail-send is not running" in check["detail"]
    assert check["fix"].startswith("/etc/rc.d/qmailsend start")
    assert (
        not checks["delivery"]["ok"] and "qmail-send is not running" in checks["delivery"]["detail"]
    )
