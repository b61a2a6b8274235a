"""Mail: prefilled from the probe, validated by the backend beside each field."""

from __future__ import annotations

import html
import re

from textual.widgets import RadioSet

from tests.ui.conftest import settle
from tui.screens.mail import MailScreen
from tui.widgets.field import Field
from tui.widgets.help import HelpScreen


async def open_mail(pilot) -> MailScreen:
    await settle(pilot)
    pilot.app.push_screen(MailScreen(pilot.app.session))
    await pilot.pause()
    return pilot.app.screen


async def retype(pilot, field: Field, text: str) -> None:
    """Focus the field, erase it and type ``text`` key by key."""
    field.input.focus()
    await pilot.press("end", *["backspace"] * len(field.value), *text)
    await pilot.pause()


def shown(app) -> str:
    """The text on the screen, toasts included, one line per row."""
    svg = app.export_screenshot()
    return html.unescape("".join(re.findall(r">([^<>]*)</text>", svg))).replace("\xa0", " ")


async def test_prefilled_from_the_probe(wizard_app):
    app, _box = wizard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_mail(pilot)
        value = {f.id: f.value for f in screen.query(Field)}
        assert value["me"] == "mail.example.org"
        assert value["defaultdomain"] == value["plusdomain"] == "example.org"
        assert value["locals"] == "mail.example.org, example.org, localhost"
        assert value["rcpthosts"] == "mail.example.org, example.org"
        assert value["virtualdomains"] == ""
        assert value["relay_from"] == "127."
        for name in ("root", "postmaster", "mailer-daemon"):
            assert value[f"alias-{name}"] == "admin"
        assert screen.query_one(RadioSet).pressed_index == 0  # ./Maildir/
        assert all(not f.problem for f in screen.query(Field))
        assert screen.focused is screen.query_one("#me", Field).input


async def test_bad_fqdn_refused_until_fixed(wizard_app):
    app, _box = wizard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_mail(pilot)
        me = screen.query_one("#me", Field)
        await retype(pilot, me, "mail")
        assert app.session.profile.mail.me == "mail"
        assert "mail: not fully qualified (it needs a domain part)" in me.problem
        await pilot.press("enter")
        assert app.screen is screen
        assert "1 problem to fix" in str(screen.query_one("#mail-status").content)
        await pilot.press(*".example.org")
        assert me.problem == ""
        assert app.session.profile.mail.me == "mail.example.org"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.name == "features"


async def test_virtual_domain_must_be_in_rcpthosts(wizard_app):
    app, _box = wizard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_mail(pilot)
        await pilot.press(*["tab"] * 5, *"example.net:joe")  # Tab reaches the field
        virtual = screen.query_one("#virtualdomains", Field)
        assert screen.focused is virtual.input
        assert app.session.profile.mail.virtualdomains == {"example.net": "joe"}
        assert "virtual domain missing from mail.rcpthosts" in virtual.problem
        await pilot.press("enter")
        assert app.screen is screen
        await pilot.press("shift+tab", "end", *", example.net")
        assert app.session.profile.mail.rcpthosts == [
            "mail.example.org",
            "example.org",
            "example.net",
        ]
        assert virtual.problem == ""


async def test_back_and_forth_keeps_answers(wizard_app):
    app, _box = wizard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_mail(pilot)
        await retype(pilot, screen.query_one("#relay_from", Field), "127., 192.168.1.")
        await retype(pilot, screen.query_one("#alias-root", Field), "ops@example.net")
        screen.query_one(RadioSet).focus()
        await pilot.press("down", "space")  # mbox
        mail = app.session.profile.mail
        assert mail.relay_from == ["127.", "192.168.1."]
        assert mail.aliases["root"] == "ops@example.net"
        assert mail.defaultdelivery == "./Mailbox"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.name == "features"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert screen.query_one("#relay_from", Field).value == "127., 192.168.1."
        await pilot.press("escape")  # back to Welcome
        await pilot.pause()
        again = await open_mail(pilot)
        assert again is not screen
        assert again.query_one("#alias-root", Field).value == "ops@example.net"
        assert again.query_one("#relay_from", Field).value == "127., 192.168.1."
        assert again.query_one(RadioSet).pressed_index == 1


async def test_f1_explains_the_focused_field(wizard_app):
    app, _box = wizard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_mail(pilot)
        screen.query_one("#rcpthosts", Field).input.focus()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.help_title == "Accept mail for"
        assert "the open-relay guard" in app.screen.help_text
        assert "RELAYCLIENT" in shown(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        screen.query_one(RadioSet).focus()
        await pilot.press("f1")
        await pilot.pause()
        assert "the wizard makes them" in app.screen.help_text


def mark(field: Field) -> str:
    return str(field.query_one(".field-mark").render())


async def test_changed_fields_are_marked_and_unrouted_rcpthosts_warned(wizard_app):
    app, _box = wizard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_mail(pilot)
        rcpthosts = screen.query_one("#rcpthosts", Field)
        status = screen.query_one("#mail-status")
        assert all(mark(f) == "" for f in screen.query(Field))
        assert "marks what you changed" not in str(status.render())

        rcpthosts.input.focus()
        await pilot.press("end", *", other.example.com")
        await pilot.pause()
        assert mark(rcpthosts) == "*"
        assert [f.id for f in screen.query(Field) if mark(f)] == ["rcpthosts"]
        text = str(status.render())
        assert "* marks what you changed." in text
        assert "neither local nor virtual: other.example.com" in text
        assert status.has_class("warning")

        # a virtual domain routes it: no warning; back to the prefilled text: no mark
        virtual = screen.query_one("#virtualdomains", Field)
        await retype(pilot, virtual, "other.example.com:joe")
        assert "neither local nor virtual" not in str(status.render())
        await retype(pilot, virtual, "")
        await retype(pilot, rcpthosts, "mail.example.org, example.org")
        assert all(mark(f) == "" for f in screen.query(Field))
        assert not status.has_class("warning")
