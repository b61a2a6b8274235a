"""Done: `q` then `d` typed together (one read from the terminal) quits cleanly; the
Dashboard does not open on an App that is exiting (it raised NoMatches 'LogPane')."""

from __future__ import annotations

from textual import events

from tests.ui.conftest import settle
from tui.screens.done import DoneScreen


async def test_q_then_d_quits_without_an_error(wizard_app):
    app, _box = wizard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)  # Welcome's probe
        app.push_screen(DoneScreen(app.session))
        await settle(pilot)
        # both keys queued before either is handled, as when they arrive in one read
        app.post_message(events.Key("q", "q"))
        app.post_message(events.Key("d", "d"))
        await pilot.pause()
    assert app.return_code == 0
    assert not any(screen.name == "dashboard" for screen in app.screen_stack)
