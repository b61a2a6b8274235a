"""Welcome: the host summary comes from a probe that never blocks the UI."""

from __future__ import annotations

from textual.widgets import DataTable

from tests.ui.conftest import settle


def _rows(screen) -> dict[str, str]:
    table = screen.query_one("#host", DataTable)
    return {
        str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(table.row_count)
    }


async def test_fresh_host_summary(wizard_app):
    app, box = wizard_app()
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
