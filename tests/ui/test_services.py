"""Services: switches edit session.profile.services; refusals come from validate."""

from __future__ import annotations

from textual.widgets import Switch

from tests.ui.conftest import settle
from tests.ui.test_mail import open_mail, retype, shown
from tui.screens.services import ServicesScreen
from tui.widgets.field import Field
from tui.widgets.help import HelpScreen


async def open_services(pilot) -> ServicesScreen:
    await settle(pilot)
    pilot.app.push_screen(ServicesScreen(pilot.app.session))
    await pilot.pause()
    return pilot.app.screen


def note(screen, name: str) -> str:
    widget = screen.query_one(f"#{name}-note")
    return str(widget.content) if widget.display else ""


async def test_fresh_host_defaults(wizard_app):
    app, _box = wizard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_services(pilot)
        switches = {s.id: s.value for s in screen.query(Switch)}
        assert switches == {
            "qmailsend": True,
            "qmailsmtpd": True,
            "qmailqread": True,
            "qmailpop3d": False,
            "qmailofmipd": False,
            "replace_mta": True,
        }
        text = shown(app)  # styled spans lose the spaces between them
        assert "qmailsendnow: not installed" in text
        assert "replace postfixpostfix now: running" in text
        assert "stop and disable postfix, point mailer.conf at qmail" in text
        assert screen.focused is screen.query_one("#qmailsend", Switch)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "nothing is ever delivered" in app.screen.help_text


async def test_toggles_edit_the_profile(wizard_app):
    app, _box = wizard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_services(pilot)
        services = app.session.profile.services
        await pilot.press("tab", "tab", "tab", "space")  # qmailpop3d on
        assert screen.focused.id == "qmailpop3d"
        assert services.qmailpop3d is True
        assert note(screen, "qmailpop3d") == ""  # Maildir: no warning
        await pilot.press("tab", "tab", "space")  # keep postfix
        assert services.replace_mta is False
        assert services.enabled() == ["qmailsend", "qmailsmtpd", "qmailqread", "qmailpop3d"]
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.name == "review"


async def test_pop3d_with_mbox_warns(wizard_app):
    app, _box = wizard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        mail = await open_mail(pilot)
        mail.query_one("RadioSet").focus()
        await pilot.press("down", "space", "enter")  # mbox, then the mail features
        await pilot.pause()
        await pilot.press("enter")  # then Services
        await pilot.pause()
        screen = app.screen
        assert screen.name == "services"
        screen.query_one("#qmailpop3d", Switch).focus()
        await pilot.press("space")
        assert "qmail-pop3d serves Maildir only" in note(screen, "qmailpop3d")
        assert "warning" in screen.query_one("#qmailpop3d-note").classes
        await pilot.press("space")
        assert note(screen, "qmailpop3d") == ""


async def test_smtpd_without_rcpthosts_refused(wizard_app):
    app, _box = wizard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_services(pilot)
        await pilot.press("tab", "space")  # qmailsmtpd off
        assert app.session.profile.services.qmailsmtpd is False
        await pilot.press("escape")
        await pilot.pause()
        mail = await open_mail(pilot)
        await retype(pilot, mail.query_one("#rcpthosts", Field), "")
        assert app.session.profile.mail.rcpthosts == []
        assert all(not f.problem for f in mail.query(Field))  # smtpd off: allowed
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")  # past the mail features
        await pilot.pause()
        screen = app.screen
        assert screen.name == "services"
        assert screen.query_one("#qmailsmtpd", Switch).value is False
        screen.query_one("#qmailsmtpd", Switch).focus()
        await pilot.press("space")
        assert "qmail-smtpd relays mail for everyone" in note(screen, "qmailsmtpd")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("space")
        assert note(screen, "qmailsmtpd") == ""
