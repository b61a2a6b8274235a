"""Done: the checks Apply left in session.checks, a failure with its fix, the services."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from tests.ui.conftest import settle
from tui.backend.verify import Check
from tui.screens.done import DoneScreen


async def test_failed_check_shows_detail_and_fix(wizard_app):
    app, _box = wizard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)  # Welcome's probe
        app.session.checks = [
            Check("qmail-send", "qmail-send running", True, "runs as pid 42"),
            Check(
                "postfix",
                "postfix stopped and not enabled",
                False,
                "postfix runs (pid 17)",
                "/etc/rc.d/postfix stop; postfix=NO in rc.conf",
            ),
        ]
        app.push_screen(DoneScreen(app.session))
        await pilot.pause()
        await settle(pilot)
        done = app.screen
        assert done.checks is app.session.checks  # not verified again
        headline = str(done.query_one("#headline", Static).render())
        assert headline == "qmail is installed, but 1 of 2 checks failed"
        rows = list(done.query(".check"))
        assert [str(row.render()) for row in rows] == [
            "✓ qmail-send running",
            "✗ postfix stopped and not enabled: postfix runs (pid 17)\n"
            "  fix: /etc/rc.d/postfix stop; postfix=NO in rc.conf",
        ]
        assert rows[1].has_class("-failed") and not rows[0].has_class("-failed")
        table = done.query_one("#services", DataTable)
        # a fresh host: the profile enables qmail-send, which does not run yet
        assert [str(cell) for cell in table.get_row_at(0)] == ["qmailsend", "enabled", "stopped"]
        footer_keys = {b.key for _, b, enabled, *_ in done.active_bindings.values() if b.show}
        assert "d" in footer_keys
