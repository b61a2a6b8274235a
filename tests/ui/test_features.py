"""Mail features (issue 14) through the real screens: every profile key a mail host
for people needs, the build option a feature turns on, the refusals, and one apply."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Checkbox, RadioSet, Switch

from tests.e2e.cli import wizard
from tests.ui.conftest import settle
from tests.ui.test_mail import open_mail, retype, shown
from tests.ui.test_review_apply import confirm_apply, wait_for
from tui.backend.facts import CONTROL
from tui.backend.profile import read
from tui.backend.report import plan_json
from tui.screens.features import FeaturesScreen
from tui.screens.review import ReviewScreen
from tui.widgets.field import Field
from tui.widgets.help import HelpScreen

ROOT = Path(__file__).resolve().parents[2]
MAIL_HOST = ROOT / "profiles" / "mail-host.yaml"
ROUTES = ":smarthost.example.net:587, remote.example:127.0.0.1:2526"


async def enter(pilot, name: str):
    """Enter on the current screen; the screen ``name`` opens."""
    await pilot.press("enter")
    await wait_for(pilot, lambda: pilot.app.screen.name == name, f"the {name} screen")
    await settle(pilot)
    return pilot.app.screen


async def open_features(pilot) -> FeaturesScreen:
    await open_mail(pilot)
    return await enter(pilot, "features")


async def choose_certificate(pilot, screen: FeaturesScreen, index: int) -> None:
    """Move to the index-th certificate choice and select it, as a keyboard user does."""
    radio = screen.query_one("#certificate", RadioSet)
    radio.focus()
    await pilot.press("home", *["right"] * index, "space")
    await wait_for(pilot, lambda: radio.pressed_index == index, f"certificate choice {index}")


async def test_fields_reach_the_mail_host_profile(wizard_app):
    """Mail, Mail features and Services filled by keys give mail-host.yaml's mail, tls
    and services sections."""
    app, _box = wizard_app("2020Q2")
    async with app.run_test(size=(80, 24)) as pilot:
        mail = await open_mail(pilot)
        await retype(
            pilot, mail.query_one("#aliases-other", Field), "fwd: someone@remote.example, admin"
        )
        await retype(pilot, mail.query_one("#relay_from", Field), "")
        features = await enter(pilot, "features")
        await choose_certificate(pilot, features, 1)
        features.query_one("#smtp_auth", Checkbox).focus()
        await pilot.press("space")
        await retype(pilot, features.query_one("#srs", Field), "srs.example.org")
        await retype(pilot, features.query_one("#smtproutes", Field), ROUTES)
        await retype(pilot, features.query_one("#databytes", Field), "10M")
        assert "= 10485760 bytes" in shown(app)
        services = await enter(pilot, "services")
        for name in ("qmailpop3d", "qmailofmipd"):
            services.query_one(f"#{name}", Switch).focus()
            await pilot.press("space")
        await pilot.press("f1")  # on qmailofmipd: what it brings in 2020Q2
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "qmail-acceptutils, which qmail-run installs" in app.screen.help_text
        await pilot.press("escape")
        await pilot.pause()
        expected = read(MAIL_HOST, str(MAIL_HOST)).profile
        profile = app.session.profile
        assert profile.mail == expected.mail
        assert profile.tls == expected.tls
        assert profile.services == expected.services
        # 2020Q2 has tls and qmail-srs by default: nothing to turn on
        assert profile.build.options == []


async def test_srs_domain_turns_qmail_srs_on_with_a_note(wizard_app):
    app, _box = wizard_app("2017Q1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_features(pilot)
        options = app.session.profile.build.options
        assert "qmail-srs" not in options
        await retype(pilot, screen.query_one("#srs", Field), "srs.example.org")
        assert "qmail-srs" in options
        text = shown(app)
        assert "Build option qmail-srs is on: SRS (mail.srs) needs qmail built" in text
        assert "source build" in text
        # AUTH in 2017Q1 comes from the tls patch: tls is turned on too
        screen.query_one("#smtp_auth", Checkbox).focus()
        await pilot.press("space")
        await wait_for(pilot, lambda: "tls" in options, "tls turned on")
        # F1 says what SRS costs in this era
        screen.query_one("#srs", Field).input.focus()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "qmail-srs is not a default build option here" in app.screen.help_text
        assert "libsrs2" in app.screen.help_text
        await pilot.press("escape")
        await pilot.pause()
        # off again: the options the screen turned on go, with a note
        await retype(pilot, screen.query_one("#srs", Field), "")
        assert "qmail-srs" not in options
        assert "tls" in options
        screen.query_one("#smtp_auth", Checkbox).focus()
        await pilot.press("space")
        await wait_for(pilot, lambda: "tls" not in options, "tls turned off again")
        assert "Build option" not in str(screen.query_one("#features-note").render())


async def test_an_option_the_admin_chose_stays(wizard_app):
    app, _box = wizard_app("2017Q1")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.session.profile.build.options.append("qmail-srs")  # as Options' toggle does
        screen = await open_features(pilot)
        srs = screen.query_one("#srs", Field)
        await retype(pilot, srs, "srs.example.org")
        await retype(pilot, srs, "")
        assert app.session.profile.build.options == ["qmail-srs"]
        assert app.session.implied == {}


async def test_bad_size_and_route_name_the_field(wizard_app):
    app, _box = wizard_app("2020Q2")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_features(pilot)
        size = screen.query_one("#databytes", Field)
        await retype(pilot, size, "10X")
        assert size.problem.startswith("10X: not a size (allowed: a size in bytes, or with K")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert screen.focused is size.input
        assert "1 problem to fix before going on, in red: Size limit" in shown(app)
        await retype(pilot, size, "10M")
        assert size.problem == ""
        assert app.session.profile.mail.databytes == 10485760

        routes = screen.query_one("#smtproutes", Field)
        await retype(pilot, routes, "remote.example:127.0.0.1:99999")
        assert "127.0.0.1:99999: not a port number (allowed: host[:port]" in routes.problem
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert screen.focused is routes.input
        assert "in red: Smarthost routes" in shown(app)
        await retype(pilot, routes, "remote.example:127.0.0.1:2526")
        await choose_certificate(pilot, screen, 2)  # a PEM file, path not written yet
        path = screen.query_one("#certificate-path", Field)
        assert "write the file's path" in path.problem
        path.input.focus()
        await pilot.press(*"etc/mail.pem")
        assert "neither self-signed nor an absolute path" in path.problem
        await retype(pilot, path, "/etc/mail.pem")
        assert app.session.profile.tls.certificate == "/etc/mail.pem"
        await enter(pilot, "services")


async def test_tui_applies_srs_tls_auth_like_headless(wizard_app, tmp_path):
    """2020Q2, binary: SRS, a self-signed certificate and AUTH applied through the TUI;
    the plan is headless' plan for the saved profile, and afterwards it has nothing to do."""
    app, box = wizard_app("2020Q2")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_features(pilot)
        await choose_certificate(pilot, screen, 1)
        screen.query_one("#smtp_auth", Checkbox).focus()
        await pilot.press("space")
        await retype(pilot, screen.query_one("#srs", Field), "srs.example.org")
        await enter(pilot, "services")
        review = await enter(pilot, "review")
        assert isinstance(review, ReviewScreen)
        await wait_for(pilot, lambda: review.plan is not None, "the plan")
        saved = app.session.save(str(tmp_path / "tui.yaml"))
        headless = wizard(box, "plan", saved, "--format", "json")
        assert headless.returncode == 2, headless.stderr  # 2: changes pending
        ours = json.loads(plan_json(review.plan, app.session.method()))
        theirs = json.loads(headless.stdout)
        assert ours["method"] == theirs["method"] == "binary"
        assert ours["steps"] == theirs["steps"]
        applying = await confirm_apply(pilot)
        await wait_for(pilot, lambda: applying.phase in ("done", "failed"), "the end", 2400)
        assert applying.phase == "done", shown(app)
        passed = {check.id for check in app.session.checks if check.ok}
        assert {"srs", "smtp-auth", "secrets-private", "tls-starttls"} <= passed
    assert box.read(f"{CONTROL}/srs_domain") == "srs.example.org\n"
    assert "BEGIN CERTIFICATE" in box.read(f"{CONTROL}/servercert.pem")
    again = wizard(box, "plan", saved)
    assert again.returncode == 0, again.stderr
    assert "Nothing to do: the host matches the profile." in again.stdout
