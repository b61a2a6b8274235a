"""Review shows the source build a choice implies; a saved profile plans what Review showed."""

from __future__ import annotations

import json

from tests.e2e.cli import wizard
from tests.ui.conftest import settle
from tests.ui.test_options import move_to, note, open_options
from tui.backend.report import plan_json
from tui.backend.steps import RunCommand
from tui.screens.review import ReviewScreen


async def to_review(pilot) -> ReviewScreen:
    """From Options, Enter through Accounts, Mail, Mail features and Services to Review."""
    for _ in range(5):
        await pilot.press("enter")
        await settle(pilot)
    assert isinstance(pilot.app.screen, ReviewScreen)
    return pilot.app.screen


async def test_qmail_srs_means_a_source_build_in_review_and_clearing_it_does_not(wizard_app):
    app, _box = wizard_app("2017Q1")
    async with app.run_test(size=(80, 24)) as pilot:
        options = await open_options(pilot)
        await move_to(pilot, options, "qmail-srs")
        await pilot.press("space")
        assert "+qmail-srs" in note(app.screen)
        await to_review(pilot)
        plan = app.session.plan
        commands = [a.describe() for a in plan.step("packages").actions]
        assert "cd /usr/pkgsrc/mail/qmail && env PKG_RCD_SCRIPTS=YES make install" in commands
        assert any("Source build because options qmail-srs" in n for n in plan.step("mkconf").notes)
        for _ in range(5):
            await pilot.press("escape")
            await pilot.pause()
        await move_to(pilot, options, "qmail-srs")
        await pilot.press("space")
        assert app.session.profile.build.options == []
        assert note(app.screen) == ""
        await to_review(pilot)
        plan = app.session.plan
        assert [
            a.describe() for a in plan.step("packages").actions if isinstance(a, RunCommand)
        ] == ["env PKG_RCD_SCRIPTS=YES pkg_add -v qmail-run"]
        assert not plan.step("mkconf").notes


async def test_profile_saved_with_ctrl_s_plans_what_review_showed(wizard_app, tmp_path):
    app, box = wizard_app("2017Q1")
    app.save_path = str(tmp_path / "saved.yaml")
    async with app.run_test(size=(80, 24)) as pilot:
        options = await open_options(pilot)
        await move_to(pilot, options, "syncdir")
        await pilot.press("space")
        await to_review(pilot)
        await pilot.press("ctrl+s")  # asks for the file name: app.save_path
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        shown = json.loads(plan_json(app.session.plan, app.session.method()))
    done = wizard(box, "plan", "--format", "json", app.save_path, timeout=120)
    assert done.returncode == 2, done.stderr
    assert json.loads(done.stdout) == shown


async def test_renamed_daemon_account_means_a_source_build(wizard_app):
    app, _box = wizard_app("2017Q1")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_options(pilot)
        await pilot.press("enter")
        await settle(pilot)
        field = app.screen.query_one("#name-daemon")
        field.focus()
        field.value = ""
        await pilot.press(*"mydaemon")
        await pilot.pause()
        assert app.session.profile.build.accounts.daemon == "mydaemon"
        assert note(app.screen).startswith("* Renaming needs a source build")
        for _ in range(4):  # Mail, Mail features, Services, Review
            await pilot.press("enter")
            await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        plan = app.session.plan
        assert "cd /usr/pkgsrc/mail/qmail && env PKG_RCD_SCRIPTS=YES make install" in [
            a.describe() for a in plan.step("packages").actions
        ]
        mkconf = plan.step("mkconf").actions[0]
        assert "QMAIL_DAEMON_USER=\tmydaemon\n" in mkconf.new
