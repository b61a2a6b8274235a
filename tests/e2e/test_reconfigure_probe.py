"""Issue 6: `probe > p.yaml; plan p.yaml` plans nothing on a qmail installed by hand
(qmail-run's MESSAGE steps) or by apply; adding a local domain to a hand install's
probed profile reloads qmail-send, which then delivers for that domain."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.e2e.cli import ROOT, wizard
from tests.polling import wait_for
from tests.sandbox.test_manual_install import MESSAGE_STEPS, TCPRULES
from tui.backend.hosts import SandboxHost


def _probe(box, tmp_path: Path) -> Path:
    probed = wizard(box, "probe")
    assert probed.returncode == 0, probed.stderr
    path = tmp_path / "probed.yaml"
    path.write_text(probed.stdout)
    return path


def _pid(box, name: str) -> int:
    return next(p.pid for p in SandboxHost(box.paths.base).processes() if p.name == name)


@pytest.mark.slow
def test_hand_install_plans_nothing_and_a_new_local_domain_reloads_qmail_send(sandbox, tmp_path):
    done = sandbox.sh(
        MESSAGE_STEPS.format(tcprules=TCPRULES[sandbox.config["flavor"]]), timeout=180
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rc_conf = sandbox.read("/etc/rc.conf")
    profile = _probe(sandbox, tmp_path)

    planned = wizard(sandbox, "plan", str(profile))
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "Nothing to do" in planned.stdout
    assert "maildirmake" not in planned.stdout and "qmailpop3d=NO" not in planned.stdout

    # probe --format json: the same profile, and the file and line of each value read
    probed = json.loads(wizard(sandbox, "probe", "--format", "json").stdout)
    assert probed["profile"] == yaml.safe_load(profile.read_text())
    sources = probed["sources"]
    rc_line = rc_conf.splitlines().index("qmailsmtpd=YES") + 1
    assert sources["services.qmailsmtpd"] == f"/etc/rc.conf:{rc_line}"
    assert sources["mail.aliases.root"] == "/usr/pkg/etc/qmail/alias/.qmail-root:1"
    assert sources["mail.defaultdelivery"] == "/usr/pkg/etc/qmail/control/defaultdelivery:1"

    # add a local domain: the control file changes and qmail-send is reloaded (HUP)
    data = yaml.safe_load(profile.read_text())
    data["mail"]["locals"].append("extra.example.org")
    profile.write_text(yaml.safe_dump(data, sort_keys=False))
    planned = wizard(sandbox, "plan", str(profile))
    assert planned.returncode == 2
    assert "$ /etc/rc.d/qmailsend reload" in planned.stdout, planned.stdout
    send_pid = _pid(sandbox, "qmail-send")
    applied = wizard(sandbox, "apply", str(profile), "--yes")
    assert applied.returncode == 0, applied.stderr[-3000:] + applied.stdout
    assert "changed control, services" in applied.stdout
    run = re.search(r"\(run (\S+)\)", applied.stdout).group(1)
    log = sandbox.read(f"/var/log/qmail-wizard/{run}.log")
    assert re.search(
        r"\[services\] \$ /etc/rc\.d/qmailsend reload\n(.*\n)*?"
        r".*\[services\] exit 0 ",
        log,
    ), log
    assert "restart" not in log
    assert _pid(sandbox, "qmail-send") == send_pid  # reloaded, not restarted
    assert sandbox.read("/usr/pkg/etc/qmail/control/locals").splitlines()[-1] == "extra.example.org"

    # qmail-send re-read locals: mail for the new domain is delivered here
    inject = sandbox.exec(
        ["/usr/pkg/bin/qmail-inject", "admin@extra.example.org"],
        input="Subject: new domain\n\nfor the new local domain\n",
    )
    assert inject.returncode == 0, inject.stderr
    maildir = sandbox.path("/home/admin/Maildir/new")
    assert wait_for(
        lambda: [f for f in maildir.iterdir() if "for the new local domain" in f.read_text()]
    ), sandbox.read("/var/log/maillog")[-2000:]

    # the wizard left the admin's /etc/skel and rc.conf knobs alone
    assert not sandbox.path("/etc/skel/Maildir").exists()
    assert sandbox.read("/etc/rc.conf") == rc_conf
    again = wizard(sandbox, "plan", str(profile))
    assert again.returncode == 0, again.stdout


@pytest.mark.slow
def test_apply_installed_plans_nothing_and_a_run_without_changes_sends_no_mail(
    make_sandbox, tmp_path
):
    box = make_sandbox("2020Q2")
    applied = wizard(box, "apply", str(ROOT / "profiles" / "default.yaml"), "--yes", "-v")
    assert applied.returncode == 0, applied.stderr[-3000:] + applied.stdout
    assert "PASS  delivery" in applied.stdout  # -v: every check
    profile = _probe(box, tmp_path)
    planned = wizard(box, "plan", str(profile))
    assert planned.returncode == 0, planned.stdout + planned.stderr

    delivered = len(list(box.path("/home/admin/Maildir/new").iterdir()))
    again = wizard(box, "apply", str(profile), "--yes")
    assert again.returncode == 0, again.stderr[-3000:] + again.stdout
    assert "changed nothing" in again.stdout
    assert "delivery" not in again.stdout and "all 14 checks pass" in again.stdout
    assert len(list(box.path("/home/admin/Maildir/new").iterdir())) == delivered
