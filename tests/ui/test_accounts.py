"""Accounts: defaults, live validation next to the field, the source-build note, Esc."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from tests.ui.conftest import settle
from tui.backend.profile.model import ACCOUNT_DEFAULTS, ACCOUNT_VARS
from tui.screens.accounts import AccountsScreen
from tui.screens.options import OptionsScreen
from tui.screens.welcome import WelcomeScreen
from tui.widgets.help import HelpScreen
from tui.widgets.option_list import BuildOptionList
from tui.wizard import WizardApp


@pytest.fixture
def accepted(monkeypatch):
    """Screens accepted past Accounts are recorded instead of opening the Mail screen."""
    steps: list[type] = []
    route = WizardApp.on_advance

    def on_advance(app, message):
        steps.append(message.step)
        if message.step is not AccountsScreen:
            route(app, message)

    monkeypatch.setattr(WizardApp, "on_advance", on_advance)
    return steps


def text(screen, selector: str) -> str:
    widget = screen.query_one(selector)
    return str(widget.render()) if widget.display else ""


async def test_defaults_validation_and_note(wizard_app, accepted):
    app, _box = wizard_app("2017Q1")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "enter")
        screen = app.screen
        assert isinstance(screen, AccountsScreen)
        labels = [str(label.render()) for label in screen.query(".account-var")]
        assert labels == list(ACCOUNT_VARS.values())
        for key, default in ACCOUNT_DEFAULTS.items():
            assert screen.query_one(f"#name-{key}", Input).value == default
            assert text(screen, f"#mark-{key}") == ""
        assert text(screen, "#note") == ""

        await pilot.press("tab")  # QMAIL_DAEMON_USER, its text selected
        assert screen.focused.id == "name-daemon"
        await pilot.press(*"Smtpd")
        assert app.session.profile.build.accounts.daemon == "Smtpd"
        assert "not a valid NetBSD account name; try 'smtpd'" in text(screen, "#error-daemon")
        assert text(screen, "#error-alias") == ""
        await pilot.press("enter")  # refused while invalid
        await pilot.pause()
        assert app.screen is screen and accepted == [WelcomeScreen, OptionsScreen]

        await pilot.press("home", "delete", "s")
        assert app.session.profile.build.accounts.daemon == "smtpd"
        assert text(screen, "#error-daemon") == ""
        assert text(screen, "#mark-daemon") == "*"
        assert "Renaming needs a source build" in text(screen, "#note")
        assert "qmail-run is built with the same names" in text(screen, "#note")
        assert "several minutes; needs the pkgsrc tree" in text(screen, "#note")

        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "Runs qmail-smtpd" in text(app.screen, "#help-text")
        await pilot.press("escape")
        assert app.screen is screen

        await pilot.press("tab", *"smtpd")  # QMAIL_LOG_USER = the daemon's name
        assert "the same user name as build.accounts.daemon" in text(screen, "#error-log")
        await pilot.press("enter")
        assert accepted == [WelcomeScreen, OptionsScreen]

        await pilot.press("shift+tab", *"qmaild")  # daemon back to its default
        assert text(screen, "#error-log") == ""
        await pilot.press("tab", *"qmaill")
        assert text(screen, "#note") == "" and text(screen, "#mark-log") == ""
        await pilot.press("enter")
        assert accepted == [WelcomeScreen, OptionsScreen, AccountsScreen]
        assert app.session.profile.build.accounts.is_default()


async def test_esc_back_keeps_toggled_option(wizard_app, accepted):
    app, _box = wizard_app("2017Q1")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "down", "down", "space")
        assert app.session.profile.build.options == ["qmail-maildiruniq"]
        await pilot.press("enter")
        assert isinstance(app.screen, AccountsScreen)
        await pilot.press("x")  # rename the alias user to "x"
        assert app.session.profile.build.accounts.alias == "x"
        await pilot.press("escape")
        assert isinstance(app.screen, OptionsScreen)
        options = app.screen.query_one(BuildOptionList)
        assert options.prompt_of("qmail-maildiruniq").startswith("[x]")
        assert app.session.profile.build.options == ["qmail-maildiruniq"]
        assert "+qmail-maildiruniq" in text(app.screen, "#note")
        await pilot.press("space")  # back to the default options
        assert "accounts are renamed" in text(app.screen, "#note")
        await pilot.press("enter")
        assert app.screen.query_one("#name-alias", Input).value == "x"
