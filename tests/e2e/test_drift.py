"""Issue 6, drift: a file changed by hand since the wizard wrote it is never
overwritten silently.  plan lists it with both versions; apply refuses (exit 1,
naming it) unless --overwrite-drift, which backs it up first; make_plan(keep=...)
leaves it as the admin made it.  Hand edits the plan does not touch pass silently."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.e2e.cli import ROOT, profile_for, wizard
from tui.backend.hosts import SandboxHost
from tui.backend.plan import make_plan
from tui.backend.probe import probe
from tui.backend.profile import read
from tui.backend.steps import WriteFile

LOCALS = "/usr/pkg/etc/qmail/control/locals"
DEFAULT_LOCALS = "locals: [mail.example.org, example.org, localhost]"


@pytest.mark.slow
def test_hand_edit_is_refused_kept_or_overwritten_with_a_backup(make_sandbox, tmp_path):
    box = make_sandbox("2017Q1")
    default = str(ROOT / "profiles" / "default.yaml")
    applied = wizard(box, "apply", default, "--yes")
    assert applied.returncode == 0, applied.stderr[-3000:] + applied.stdout
    wrote = box.path(LOCALS).read_bytes()
    record = json.loads(box.read("/var/db/qmail-wizard/written.json"))["files"]
    assert record[LOCALS]["text"] == wrote.decode()
    assert box.path("/var/db/qmail-wizard/written.json").stat().st_mode & 0o777 == 0o600

    # a hand edit to a file the wizard wrote that the plan does not need to write
    # (mailer.conf keeps local names): no complaint, nothing changed
    assert "/etc/mailer.conf" in record
    mailer = box.read("/etc/mailer.conf") + "vacation\t/usr/pkg/bin/vacation\n"
    box.path("/etc/mailer.conf").write_text(mailer)
    again = wizard(box, "apply", default, "--yes")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "changed nothing" in again.stdout and "by hand" not in again.stderr
    assert box.read("/etc/mailer.conf") == mailer

    # a hand edit to locals, then a profile that changes locals
    box.path(LOCALS).write_bytes(wrote + b"hand.example.org\n")
    edited = box.path(LOCALS).read_bytes()
    changed = profile_for(
        tmp_path,
        "default.yaml",
        **{DEFAULT_LOCALS: "locals: [mail.example.org, example.org, localhost, new.example.org]"},
    )
    planned = wizard(box, "plan", changed, "--format", "json")
    assert planned.returncode == 2, planned.stderr
    drift = json.loads(planned.stdout)["drift"]
    assert [d["path"] for d in drift] == [LOCALS]
    assert drift[0]["wizard_wrote"] == wrote.decode() and drift[0]["now"] == edited.decode()
    assert "+hand.example.org" in drift[0]["diff"] and drift[0]["resolution"] is None
    text = wizard(box, "plan", changed).stdout
    assert f"{LOCALS}: apply refuses until you choose" in text

    refused = wizard(box, "apply", changed, "--yes")
    assert refused.returncode == 1
    assert LOCALS in refused.stderr and "--overwrite-drift" in refused.stderr
    assert box.path(LOCALS).read_bytes() == edited

    # the TUI's choice "keep mine": the plan does not write locals
    host = SandboxHost(box.paths.base)
    profile = read(Path(changed), changed).profile
    kept = make_plan(profile, probe(host), keep={LOCALS})
    assert [d.resolution for d in kept.drift] == ["keep"] and not kept.undecided
    assert not [
        a for a in kept.step("control").actions if isinstance(a, WriteFile) and a.path == LOCALS
    ]

    taken = wizard(box, "apply", changed, "--yes", "--overwrite-drift")
    assert taken.returncode == 0, taken.stderr[-3000:] + taken.stdout
    run = re.search(r"\(run (\S+)\)", taken.stdout).group(1)
    assert box.path(f"/var/backups/qmail-wizard/{run}{LOCALS}").read_bytes() == edited
    assert box.read(LOCALS).splitlines() == [
        "mail.example.org",
        "example.org",
        "localhost",
        "new.example.org",
    ]
    assert "$ /etc/rc.d/qmailsend reload" in box.read(f"/var/log/qmail-wizard/{run}.log")
    settled = wizard(box, "plan", changed)
    assert settled.returncode == 0, settled.stdout
