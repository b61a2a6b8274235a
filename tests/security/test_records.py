"""Damaged bookkeeping (issue 12, point 7): a corrupt drift record or journal is
reported, never silently ignored.  Only root can write /var/db/qmail-wizard (0700), so
these traps are laid as root: they stand for a crash, a full disk or a bad hand edit."""

from __future__ import annotations

import json

from tests.e2e.cli import ROOT
from tests.security import trap

DEFAULT = str(ROOT / "profiles" / "default.yaml")
RECORD = "/var/db/qmail-wizard/written.json"
RCPTHOSTS = "/usr/pkg/etc/qmail/control/rcpthosts"
DAMAGE = (
    "the drift record /var/db/qmail-wizard/written.json is damaged: not JSON "
    "(Expecting property name enclosed in double quotes: line 1 column 2 (char 1)); "
    "remove it to accept the files as they are. Until then every file qmail-wizard "
    "manages that differs from the profile counts as changed by hand"
)


def installed(make_sandbox):
    box = make_sandbox()
    applied = trap.wizard(box, "apply", DEFAULT, "--yes")
    assert applied.returncode == 0, applied.stderr[-3000:]
    return box


def test_corrupt_drift_record_is_reported_and_differing_files_are_drift(make_sandbox):
    box = installed(make_sandbox)
    rcpthosts = box.path(RCPTHOSTS)
    rcpthosts.write_text(rcpthosts.read_text() + "mine.example.org\n")  # a hand edit
    box.path(RECORD).write_text("{not json")
    before = trap.snapshot(box)

    plan = trap.wizard(box, "plan", DEFAULT)
    assert plan.returncode == 2, plan.stderr
    assert f"WARNING: {DAMAGE}.\n" in plan.stdout
    assert (
        f"Changed by hand since qmail-wizard wrote them (drift):\n  {RCPTHOSTS} "
        "(differs from the profile; the damaged record cannot say who changed it): "
        "apply refuses until you choose"
    ) in plan.stdout
    as_json = json.loads(trap.wizard(box, "plan", DEFAULT, "--format", "json").stdout)
    assert as_json["damage"] == DAMAGE
    assert [(d["path"], d["wizard_wrote"], d["resolution"]) for d in as_json["drift"]] == [
        (RCPTHOSTS, None, None)
    ]

    applied = trap.wizard(box, "apply", DEFAULT, "--yes")
    assert applied.returncode == 1
    assert applied.stderr.startswith(
        f"qmail-wizard: {DAMAGE}.\nrefusing to apply {DEFAULT}: it would overwrite files "
        f"changed by hand since qmail-wizard wrote them:\n  {RCPTHOSTS}\nNothing was "
        "changed."
    ), applied.stderr
    assert trap.changed(before, trap.snapshot(box)) == []
    assert box.path(RECORD).read_text() == "{not json"

    box.path(RECORD).unlink()  # "remove it to accept the files as they are"
    accepted = json.loads(trap.wizard(box, "plan", DEFAULT, "--format", "json").stdout)
    assert accepted["damage"] is None and accepted["drift"] == []


def test_corrupt_journal_is_named_by_resume_and_noted_by_a_new_run(make_sandbox):
    box = installed(make_sandbox)
    run_id = box.path("/var/db/qmail-wizard/last-run").read_text().strip()
    journal = f"/var/db/qmail-wizard/journal/{run_id}.json"
    box.path(journal).write_text(
        json.dumps({"run_id": run_id, "started": "x", "steps": [], "status": "failed"})
    )
    before = trap.snapshot(box)
    resumed = trap.wizard(box, "apply", DEFAULT, "--yes", "--resume")
    assert resumed.returncode == 1
    assert resumed.stderr == (
        f"qmail-wizard: cannot resume run {run_id}: the journal {journal} is damaged: "
        "'steps' is a list; remove it (the backups and the log of the run stay) and run "
        "apply without --resume\n"
    )
    assert trap.changed(before, trap.snapshot(box)) == []

    again = trap.wizard(box, "apply", DEFAULT, "--yes")
    assert again.returncode == 0, again.stderr
    assert (
        f"note: the journal {journal} is damaged: 'steps' is a list; this new run does "
        "not need it (remove it when its backups are no longer needed)"
    ) in " ".join(again.stderr.split())  # notes wrap at 100 columns


def test_last_run_record_that_is_not_a_run_id_is_refused_by_undo(make_sandbox):
    box = installed(make_sandbox)
    box.path("/var/db/qmail-wizard/last-run").write_text("../../../home/admin\n")
    before = trap.snapshot(box)
    undone = trap.wizard(box, "undo", "--yes")
    assert undone.returncode == 1
    assert undone.stderr == (
        "qmail-wizard: cannot undo: the record of the newest run /var/db/qmail-wizard/"
        "last-run is damaged: it holds '../../../home/admin', not a run id; name the run "
        "with --run ID (the runs are the directories under /var/backups/qmail-wizard/)\n"
    )
    assert trap.changed(before, trap.snapshot(box)) == []


async def test_review_shows_the_damaged_record_and_asks_for_each_differing_file(make_sandbox):
    from tests.security.test_host_text import until
    from tui.backend.hosts import SandboxHost
    from tui.backend.session import Session
    from tui.screens.dashboard import DashboardScreen
    from tui.screens.review import ReviewScreen
    from tui.widgets.drift_choice import DriftChoice
    from tui.wizard import WizardApp

    box = installed(make_sandbox)
    rcpthosts = box.path(RCPTHOSTS)
    rcpthosts.write_text(rcpthosts.read_text() + "mine.example.org\n")
    box.path(RECORD).write_text("{not json")
    before = trap.snapshot(box)
    session = Session(SandboxHost(box.paths.base))
    session.load_profile(DEFAULT)
    app = WizardApp(session)
    async with app.run_test(size=(120, 40)) as pilot:
        # qmail runs here: the app opens on the Dashboard once its probe is in
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), "the Dashboard")
        await pilot.press("w")  # back to the wizard: the Welcome reads the option catalog
        await until(pilot, lambda: session.catalog is not None, "the option catalog")
        review = ReviewScreen(session)
        await app.push_screen(review)
        await until(
            pilot,
            lambda: review.plan is not None and review.query(DriftChoice),
            "the plan",
            deadline=trap.TIME_LIMIT,
        )
        await pilot.pause()
        assert str(review.query_one("#damage").render()) == f"⚠ {DAMAGE}"
        assert "The drift record is damaged (see below)." in str(
            review.query_one("#summary").render()
        )
        [choice] = review.query(DriftChoice)
        assert choice.path == RCPTHOSTS
        assert (
            f"{RCPTHOSTS} differs from the profile (the drift record is damaged: it "
            "may be a change of yours)"
        ) in str(choice.render())
        await pilot.press("enter")  # refused until a choice is made
        await pilot.pause()
        assert app.screen is review and review.plan.undecided
        choice.focus()
        await pilot.press("o")
        await until(
            pilot,
            lambda: review.plan is not None and not review.plan.undecided,
            "the plan with the choice",
            deadline=trap.TIME_LIMIT,
        )
        assert session.overwrite == {RCPTHOSTS}
    assert trap.changed(before, trap.snapshot(box)) == []
