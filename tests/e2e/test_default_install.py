"""Issue 3, first acceptance: the default profile on fresh sandboxes of both flavors."""

from __future__ import annotations

import pytest

from tests.e2e.cli import ROOT, wizard
from tests.polling import wait_for
from tui.backend.steps import STEP_IDS

DEFAULT = str(ROOT / "profiles" / "default.yaml")


@pytest.mark.slow
def test_plan_apply_then_nothing_left(sandbox):
    plan = wizard(sandbox, "plan", DEFAULT)
    assert plan.returncode == 2, plan.stderr
    for step_id in STEP_IDS:
        assert f" {step_id} " in plan.stdout
    assert "$ env PKG_RCD_SCRIPTS=YES pkg_add -v qmail-run" in plan.stdout
    assert "stops postfix" in plan.stdout and "+++ b/etc/mailer.conf" in plan.stdout

    applied = wizard(sandbox, "apply", DEFAULT, "--yes")
    assert applied.returncode == 0, applied.stderr + applied.stdout
    assert "[3/12] packages" in applied.stderr

    info = sandbox.exec(["pkg_info", "-e", "qmail", "qmail-run"])
    assert info.returncode == 0
    assert sandbox.exec(["/etc/rc.d/postfix", "onestatus"]).returncode == 1
    assert "\npostfix=NO\n" in sandbox.read("/etc/rc.conf")
    mailer = sandbox.read("/etc/mailer.conf")
    assert "sendmail\t/usr/pkg/bin/sendmail" in mailer
    assert "postfix" not in "".join(
        line for line in mailer.splitlines(True) if not line.startswith("#")
    )
    control = "/usr/pkg/etc/qmail/control"
    assert sandbox.read(f"{control}/me") == "mail.example.org\n"
    assert sandbox.read(f"{control}/rcpthosts") == "mail.example.org\nexample.org\n"
    assert sandbox.read("/usr/pkg/etc/qmail/alias/.qmail-postmaster") == "&admin\n"
    for service in ("qmailsend", "qmailsmtpd"):
        assert sandbox.exec([f"/etc/rc.d/{service}", "status"]).returncode == 0

    client = sandbox.smtp(25)
    client.sendmail(
        "someone@example.net",
        ["postmaster@example.org"],
        "Subject: to the postmaster\r\n\r\nHello postmaster.\r\n",
    )
    client.quit()
    maildir = sandbox.path("/home/admin/Maildir/new")
    delivered = wait_for(
        lambda: [p for p in maildir.iterdir() if "Hello postmaster." in p.read_text()]
    )
    assert delivered  # beside apply's own test message (its verify step)

    again = wizard(sandbox, "plan", DEFAULT)
    assert again.returncode == 0, again.stdout
    second = wizard(sandbox, "apply", DEFAULT, "--yes")
    assert second.returncode == 0
    run_id = sandbox.read("/var/db/qmail-wizard/last-run").strip()
    log = sandbox.read(f"/var/log/qmail-wizard/{run_id}.log")
    assert log.count("] unchanged\n") == 12
    assert "] $ " not in log and "] edit " not in log and "] create " not in log
    assert log.rstrip().endswith("changed: nothing")
