"""Review, Confirm, Apply and Done on fresh sandboxes: a full walk, a cancel, a failure."""

from __future__ import annotations

import yaml
from textual.widgets import Static

from tests.ui.conftest import settle
from tui.backend.hosts import SandboxHost
from tui.backend.session import Session
from tui.backend.steps import STEP_IDS
from tui.screens.apply import ApplyScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.done import DoneScreen
from tui.screens.review import ReviewScreen
from tui.widgets.ask import AskScreen
from tui.widgets.output_pane import OutputPane
from tui.widgets.plan_step import PlanStep
from tui.widgets.step_list import StepList
from tui.wizard import FLOW, WizardApp


def text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def wait_for(pilot, predicate, what: str, rounds: int = 600) -> None:
    """Let the app run until ``predicate()`` holds (at most rounds x 50 ms)."""
    for _ in range(rounds):
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def open_review(pilot) -> ReviewScreen:
    """From Welcome straight to Review (the answers are the probe's defaults)."""
    await settle(pilot)
    app = pilot.app
    app.push_screen(ReviewScreen(app.session))
    await pilot.pause()
    await settle(pilot)
    assert isinstance(app.screen, ReviewScreen), app.screen
    assert app.screen.plan is not None, text(app.screen, "#summary")
    return app.screen


async def confirm_apply(pilot) -> ApplyScreen:
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ConfirmScreen)
    await pilot.press("y")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ApplyScreen)
    return pilot.app.screen


def slow_download(box) -> None:
    """qmail's package downloads for 3000 s x pace 0.02 = 60 s: far longer than a test
    waits."""
    box.paths.faults_file.write_text(
        yaml.safe_dump({"faults": [{"kind": "slow-download", "package": "qmail", "seconds": 3000}]})
    )


async def apply_until_the_download(pilot) -> ApplyScreen:
    """Review, confirm, and wait until Apply shows qmail's package downloading."""
    await open_review(pilot)
    screen = await confirm_apply(pilot)
    log = screen.query_one(OutputPane)
    await wait_for(
        pilot, lambda: any("qmail-1.03" in line for line in log.shown), "the qmail download"
    )
    return screen


async def test_enter_through_every_screen_ends_on_done(wizard_app):
    app, box = wizard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for screen in FLOW[: FLOW.index(ReviewScreen)]:
            assert type(app.screen) is screen
            await pilot.press("enter")
            await settle(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        assert "8 of 12 steps change the host" in text(review, "#summary")
        packages = text(review, "#plan-packages")
        assert "⚠ installs packages" in packages
        assert "$ env PKG_RCD_SCRIPTS=YES pkg_add" in packages
        assert "unchanged" in text(review, "#plan-users")
        # long diffs are folded to line counts; Enter on the step opens them
        switch = review.query_one("#plan-mta-switch", PlanStep)
        assert "edit /etc/mailer.conf +6 -4" in text(review, "#plan-mta-switch")
        assert "+++ b/etc/mailer.conf" not in text(review, "#plan-mta-switch")
        switch.focus()
        await pilot.press("enter")
        assert app.screen is review
        assert "+++ b/etc/mailer.conf" in text(review, "#plan-mta-switch")
        await pilot.press("space")
        assert "+++ b/etc/mailer.conf" not in text(review, "#plan-mta-switch")
        # short diffs show in place
        assert "+127.:allow" in text(review, "#plan-tcprules")
        review.query_one("#plan").focus()

        await pilot.press("enter")
        await pilot.pause()
        risks = text(app.screen, "#risks")
        assert "⚠ mta-switch: stops postfix" in risks
        assert "⚠ services: starts qmailsmtpd" in risks and ") (" not in risks
        await pilot.press("y")
        await settle(pilot)
        apply_screen = app.screen
        assert isinstance(apply_screen, ApplyScreen) and apply_screen.phase == "done"
        states = apply_screen.query_one(StepList).states()
        assert states["packages"] == "changed" and states["users"] == "unchanged"
        assert "pending" not in states.values()
        assert "checks pass" in text(apply_screen, "#status")
        assert any("pkg_add" in line for line in apply_screen.query_one(OutputPane).shown)
        for width in (80, 120):  # the progress bar's percentage shows whole
            await pilot.resize_terminal(width, 24)
            await pilot.pause()
            percentage = apply_screen.query_one("#progress #percentage", Static)
            assert str(percentage.render()) == "100%"
            body = apply_screen.query_one("#body").content_region
            assert body.contains_region(percentage.region), (body, percentage.region)

        await pilot.press("enter")
        await settle(pilot)
        done = app.screen
        assert isinstance(done, DoneScreen) and done.checks is app.session.checks
        assert done.checks and all(check.ok for check in done.checks)
        checks = [str(row.render()) for row in done.query(".check")]
        assert len(checks) == len(done.checks) and all(c.startswith("✓ ") for c in checks)
        assert "✓ SMTP greeting names control/me" in checks
        greeting = next(c for c in done.checks if c.id == "smtp-greeting")
        assert "answers '220 mail.example.org" in greeting.detail
        assert "/var/log/qmail-wizard/" in text(done, "#log")
        await pilot.press("d")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, DashboardScreen) and app.screen.status is not None,
            "the dashboard",
        )
    assert box.exec(["/etc/rc.d/qmailsmtpd", "status"]).returncode == 0
    assert box.exec(["/etc/rc.d/qmailsend", "status"]).returncode == 0


async def test_cancel_during_apply_then_resume(wizard_app):
    app, box = wizard_app()
    slow_download(box)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await apply_until_the_download(pilot)
        assert screen.phase == "running"
        await pilot.press("c")
        assert screen.phase == "cancelling"  # handled while the download still runs
        await settle(pilot)
        assert screen.phase == "failed"
        assert screen.query_one(StepList).states()["packages"] == "cancelled"
        status = text(screen, "#status")
        assert status.startswith("Cancelled: resume with r")
        assert "Log: /var/log/qmail-wizard/" in status
        assert "apply stopped in step 'packages'" in text(screen, "#failure")

        box.paths.faults_file.write_text("faults: []\n")
        await pilot.press("r")
        await settle(pilot)
        assert screen.phase == "done", text(screen, "#status")
        assert screen.query_one(StepList).states()["services"] == "changed"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DoneScreen)
        assert app.screen.checks and all(check.ok for check in app.screen.checks)
    assert box.exec(["/etc/rc.d/qmailsmtpd", "status"]).returncode == 0


async def test_failing_apply_names_the_step_and_the_log(wizard_app):
    app, box = wizard_app()
    box.paths.faults_file.write_text(
        yaml.safe_dump({"faults": [{"kind": "missing-package", "package": "qmail"}]})
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await open_review(pilot)
        screen = await confirm_apply(pilot)
        await settle(pilot)
        assert screen.phase == "failed"
        assert screen.query_one(StepList).states()["packages"] == "failed"
        status = text(screen, "#status")
        assert "Failed in step 'packages'" in status
        assert "Log: /var/log/qmail-wizard/" in status
        failure = text(screen, "#failure")
        assert "apply stopped in step 'packages'" in failure
        assert "exited with status" in failure and "your profile --resume" in failure

        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen) and app.screen.plan is not None
    assert box.exec(["/etc/rc.d/qmailsmtpd", "status"]).returncode != 0


class CountingHost(SandboxHost):
    """A sandbox host that records the argv of every command run on it."""

    def __init__(self, path) -> None:
        super().__init__(path)
        self.commands: list[tuple[str, ...]] = []

    def run(self, argv, *args, **kwargs):
        self.commands.append(tuple(argv))
        return super().run(argv, *args, **kwargs)

    def spawn(self, argv, *args, **kwargs):
        self.commands.append(tuple(argv))
        return super().spawn(argv, *args, **kwargs)

    def probes(self) -> list[str]:
        """The mode ("full" or "again") of each probe script run."""
        return [
            argv[4]
            for argv in self.commands
            if argv[:2] == ("/bin/sh", "-c") and argv[3:4] == ("probe",)
        ]


async def test_apply_probes_the_host_only_after_commands_ran(make_sandbox):
    """The TUI's apply re-plans from an incremental Prober (Session.apply, as the
    headless apply), not from a full probe per step.  A default install on 2017Q1 ran
    31 host commands with 10 full probes before; 28 with 7 incremental ones after."""
    box = make_sandbox("2017Q1")
    host = CountingHost(box.paths.base)
    app = WizardApp(Session(host))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_review(pilot)
        host.commands.clear()
        screen = await confirm_apply(pilot)
        await settle(pilot)
        assert screen.phase == "done", text(screen, "#status")
    probes = host.probes()
    assert probes and "full" not in probes, probes
    assert len(probes) < len(STEP_IDS), probes


async def test_ctrl_q_asks_during_apply_and_a_relaunch_offers_to_resume(wizard_app):
    app, box = wizard_app()
    slow_download(box)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await apply_until_the_download(pilot)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, AskScreen), "the question")
        assert text(app.screen, "#ask-question") == "Quit while apply runs?"
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen, "apply again")
        assert screen.phase == "running" and app.is_running
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, AskScreen), "the question again")
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running, "the wizard to quit")
    host = SandboxHost(box.paths.base)
    session = Session(host)
    run = session.unfinished_run()  # the run recorded where it stopped before the quit
    assert run is not None and (run.status, run.step) == ("failed", "packages"), run

    box.paths.faults_file.write_text("faults: []\n")
    app = WizardApp(Session(host))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, AskScreen) and app.screen.query("#ask-question"),
            "the resume offer",
        )
        assert text(app.screen, "#ask-question") == "Resume the unfinished apply?"
        assert f"run {run.run_id}" in text(app.screen, "#ask-detail")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), "review")
        await wait_for(pilot, lambda: app.screen.plan is not None, "the plan")
        screen = await confirm_apply(pilot)
        await settle(pilot)
        assert screen.phase == "done", text(screen, "#status")
        assert f"/var/log/qmail-wizard/{run.run_id}.log" in text(screen, "#status")
    assert session.unfinished_run() is None
    assert box.exec(["/etc/rc.d/qmailsmtpd", "status"]).returncode == 0
