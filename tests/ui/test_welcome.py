"""Welcome: the host summary comes from a probe that never blocks the UI."""

from __future__ import annotations

import gc

from textual.widgets import DataTable

from tests.ui.conftest import settle
from tests.ui.test_review_apply import wait_for
from tui.screens.options import OptionsScreen
from tui.widgets.option_list import BuildOptionList
from tui.widgets.spinner import Spinner


def _rows(screen) -> dict[str, str]:
    table = screen.query_one("#host", DataTable)
    return {
        str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(table.row_count)
    }


async def test_fresh_host_summary(wizard_app):
    app, _box = wizard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        rows = _rows(app.screen)
        assert rows["System"] == "NetBSD 7.1 amd64"
        assert rows["Host name"] == "mail.example.org"
        assert rows["Mail system"] == "postfix"
        assert rows["SMTP"].startswith("port 25: master (pid ")
        assert rows["qmail"] == "not installed"
        assert "pkgin" in rows["Package tools"]
        assert "no qmail yet" in str(app.screen.query_one("#intro").render())


async def test_welcome_takes_keys_before_the_option_catalog_is_in(wizard_app):
    """The probe's second stage (make show-options: 1 s x pace = 10 s here) does not
    hold the Welcome: Enter opens Options, which shows its spinner until the catalog
    arrives, then the host's options."""
    app, _box = wizard_app(pace=10.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.summary is not None, "the host summary", 200)
        assert app.session.state.show_options is None  # not read by the first stage
        assert not app.probing.catalog.done()
        assert app.session.catalog is None and app.session.profile is None
        assert "Press Enter to choose the build options" in str(
            app.screen.query_one("#next-hint").render()
        )

        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OptionsScreen), "Options")
        screen = app.screen
        assert screen.query_one("#loading", Spinner).display
        assert "Reading this host's build options" in str(screen.query_one("#reading").render())
        assert not screen.query(BuildOptionList)
        await pilot.press("enter")  # refused while reading, not a crash
        assert app.screen is screen

        await wait_for(pilot, lambda: screen.query(BuildOptionList), "the option list", 600)
        options = screen.query_one(BuildOptionList)
        catalog = app.session.catalog
        assert catalog.source == "pkgsrc tree /usr/pkgsrc/mail/qmail (make show-options)"
        assert {r.name for r in options.rows if r.name} == set(catalog.supported)
        assert not screen.query(Spinner)
        await wait_for(pilot, lambda: options.has_focus, "focus on the new list")
        assert "(none: the defaults)" in str(screen.query_one("#words").render())


async def test_the_collector_the_cli_paused_is_back_once_the_screens_are_in(wizard_app):
    """The CLI pauses the garbage collector for the start (tui.cli._tui); the App turns
    it back on, the start's objects frozen, once the Welcome's probe is in and the
    other screens are loaded: never left off."""
    app, _box = wizard_app()
    gc.disable()
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert app.screen.query_one("#host", DataTable).row_count
            # well before the App's fallback (GC_PAUSE_S): by the preload's end
            await wait_for(pilot, gc.isenabled, "the collector back on", rounds=40)
            assert gc.get_freeze_count() > 10_000
    finally:
        gc.enable()
        gc.unfreeze()
