"""Reconfigure mode (issue 6): on a sandbox installed by `apply profiles/default.yaml`,
the wizard says what is installed, prefills every screen with the source of each value,
shows only what changes on Review, and asks per file before overwriting a hand edit.

One installed sandbox serves the module (an install costs ~20 s); the tests that only
plan run before the one that applies.
"""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Static

from tests.e2e.cli import installed_sandbox
from tests.ui.conftest import settle
from tests.ui.test_review_apply import wait_for
from tui.backend.hosts import SandboxHost
from tui.backend.session import Session
from tui.screens.accounts import AccountsScreen
from tui.screens.mail import MailScreen
from tui.screens.options import OptionsScreen
from tui.screens.review import ReviewScreen
from tui.screens.services import ServicesScreen
from tui.screenshot_drivers import to_reconfigure
from tui.widgets.drift_choice import DriftChoice
from tui.widgets.field import Field
from tui.wizard import FLOW, WizardApp

CONTROL = "/usr/pkg/etc/qmail/control"
BUILD_INFO = "/var/db/pkg/qmail-1.03nb27/+BUILD_INFO"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    with installed_sandbox(tmp_path_factory.mktemp("reconfigure") / "host") as box:
        yield box


def text(widget) -> str:
    return str(widget.render())


def shown_text(screen, selector: str) -> str:
    """The text of the matching widgets that are displayed (CSS display and all)."""
    return "\n".join(
        text(w) for w in screen.query(selector) if w.display and w.styles.display != "none"
    )


async def walk(pilot, to: type) -> None:
    """From the current screen, Enter through the flow up to ``to`` (workers done)."""
    app = pilot.app
    while type(app.screen) is not to:
        following = FLOW[FLOW.index(type(app.screen)) + 1]
        await settle(pilot)
        await pilot.press("enter")
        await wait_for(
            pilot, lambda following=following: type(app.screen) is following, following.__name__
        )
    await settle(pilot)


async def add_rcpthost(pilot, domain: str) -> None:
    field = pilot.app.screen.query_one("#rcpthosts", Field)
    field.input.focus()
    await pilot.press("end", *f", {domain}")
    await pilot.pause()


async def test_welcome_sources_and_review_of_one_rcpthosts_change(installed):
    session = Session(SandboxHost(installed.paths.base))
    app = WizardApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_reconfigure(pilot)
        table = app.screen.query_one("#host", DataTable)
        rows = {
            str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(table.row_count)
        }
        assert rows["qmail"] == "qmail-1.03nb27"
        assert rows["qmail-run"] == "qmail-run-20170406"
        assert rows["Build options"] == "defaults"
        assert rows["Accounts"] == "default names"
        assert rows["Running"] == "qmailsend, qmailsmtpd, qmailqread"
        assert "reconfigure" in text(app.screen.query_one("#next-hint"))
        assert session.reconfigure
        assert session.sources["mail.locals"] == f"{CONTROL}/locals:1"
        assert session.sources["build.options"].startswith(f"{BUILD_INFO}:")

        await walk(pilot, OptionsScreen)
        source = text(app.screen.query_one("#source"))
        assert source.startswith("installed: built with it, from ")
        assert source.endswith(session.sources["build.options"])

        await walk(pilot, AccountsScreen)
        app.screen.query_one("#name-daemon", Input).focus()
        await pilot.pause()
        assert (
            shown_text(app.screen, ".account-source")
            == f"from {session.sources['build.accounts.daemon']}"
        )

        await walk(pilot, MailScreen)
        # the focused field (This host) shows its source; the others do not
        assert shown_text(app.screen, ".field-source") == f"from {CONTROL}/me:1"
        await add_rcpthost(pilot, "new.example.org")
        assert shown_text(app.screen, ".field-source") == f"from {CONTROL}/rcpthosts:1"
        assert session.profile.mail.rcpthosts[-1] == "new.example.org"

        await walk(pilot, ServicesScreen)
        assert shown_text(app.screen, ".source-line").startswith("from /etc/rc.conf:")

        await walk(pilot, ReviewScreen)
        review = app.screen
        assert review.plan is not None, text(review.query_one("#summary"))
        shown = [w.id for w in review.query_one("#plan").children]
        assert shown == ["plan-control", "plan-unchanged"]
        control = text(review.query_one("#plan-control"))
        assert f"edit {CONTROL}/rcpthosts" in control and "+new.example.org" in control
        assert "locals" not in control and "reload" not in control
        assert text(review.query_one("#plan-unchanged")).startswith("11 steps unchanged: ")
        assert text(review.query_one("#summary")).startswith(
            "No package to install or build. 1 of 12 steps change the host"
        )
        assert not review.plan.step("packages").changes
        assert not review.plan.step("services").changes
        assert not list(review.query(DriftChoice))


async def test_srs_shows_the_rebuild_only(installed):
    app = WizardApp(Session(SandboxHost(installed.paths.base)))
    async with app.run_test(size=(80, 24)) as pilot:
        await to_reconfigure(pilot)
        await walk(pilot, OptionsScreen)
        options = app.screen.query_one("#options")
        options.highlighted = next(
            i for i, row in enumerate(options.rows) if row.name == "qmail-srs"
        )
        await pilot.press("space")
        assert app.session.profile.build.options == ["qmail-srs"]
        await walk(pilot, ReviewScreen)
        review = app.screen
        shown = [w.id for w in review.query_one("#plan").children]
        assert shown == [
            "plan-mkconf",
            "plan-packages",
            "plan-users",
            "plan-services",
            "plan-unchanged",
        ]  # users: a note on who creates them
        assert "qmail-srs" in text(review.query_one("#plan-mkconf"))
        assert "builds qmail from source" in text(review.query_one("#plan-packages"))
        assert text(review.query_one("#summary")).startswith("Install method: source build")


async def test_hand_edit_is_drift_and_keep_leaves_it(installed):
    host = SandboxHost(installed.paths.base)
    app = WizardApp(Session(host))
    locals_path = f"{CONTROL}/locals"
    async with app.run_test(size=(80, 24)) as pilot:
        await to_reconfigure(pilot)
        await walk(pilot, MailScreen)
        # the admin edits locals in another terminal while the wizard is open
        edited = host.read_text(locals_path) + "hand.example.org\n"
        host.write(locals_path, edited)
        await add_rcpthost(pilot, "other.example.org")
        await walk(pilot, ReviewScreen)
        review = app.screen
        [choice] = review.query(DriftChoice)
        assert choice.path == locals_path
        body = text(choice)
        assert "choice: not chosen yet" in body
        assert "-hand.example.org" in body  # yours has it, the profile not
        assert "changed by hand" in text(review.query_one("#summary"))
        assert app.focused is choice

        await pilot.press("enter")  # refused: no choice yet
        await pilot.pause()
        assert app.screen is review and review.plan.undecided

        await pilot.press("k")
        await settle(pilot)
        assert app.session.keep == {locals_path} and not app.session.overwrite
        assert not review.plan.undecided
        [choice] = review.query(DriftChoice)
        assert "choice: keep mine" in text(choice)
        assert "keeps your version" in text(review.query_one("#plan-control"))

        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.name == "confirm", "the confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen.name == "apply", "apply")
        await wait_for(
            pilot,
            lambda: "press enter" in text(app.screen.query_one("#status", Static)).lower(),
            "the end of apply",
        )
    assert host.read_text(locals_path) == edited
    assert "other.example.org" in host.read_text(f"{CONTROL}/rcpthosts")
