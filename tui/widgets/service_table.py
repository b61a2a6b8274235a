"""The Dashboard's service table: one row per rc.d service, keyed by the service name.

The text of every cell comes from tui.backend.status_text, the one renderer of service
figures that ``qmail-wizard status`` prints with too; this widget only lays it out
and styles it.

Below ``WIDE`` cells the table drops the user column and abbreviates pids and listen
addresses, so that it fits an 80-column terminal.  Cells are Text (a plain str
would be read as markup), host text in them with visible control characters.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from ..backend.status_text import (
    NONE,
    cpu_text,
    enabled_text,
    first_and_more,
    size_text,
    uptime_text,
)
from ..backend.vis import vis

#: Terminal width from which every column is shown in full.
WIDE = 100
#: (key, wide label, narrow label, right-aligned); None: dropped when narrow.
COLUMNS = (
    ("name", "Service", "Service", False),
    ("enabled", "Enabled", "Enabled", False),
    ("state", "State", "State", False),
    ("pids", "PIDs", "PID", False),
    ("uptime", "Uptime", "Up", True),
    ("cpu", "CPU %", "CPU%", True),
    ("rss", "RSS", "RSS", True),
    ("listen", "Listen", "Listen", False),
    ("user", "User", None, False),
)


def plain(text: str) -> Text:
    """Host text as a cell: no markup, control characters visible."""
    return Text(vis(text))


def fingerprint(services: list) -> tuple:
    """What the table shows of ``services`` at any width: equal means nothing to redraw."""
    return tuple(
        (
            s.name,
            s.enabled,
            s.running,
            s.state,
            tuple(s.pids),
            uptime_text(s.uptime_s),
            cpu_text(s),
            size_text(s.rss_bytes),
            tuple(s.listen),
            s.user,
        )
        for s in services
    )


class ServiceTable(DataTable):
    """The services with their live figures; ``show(status.services, wide)`` refreshes it."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.layout_key: tuple[bool, tuple[str, ...]] | None = None

    def show(self, services: list, wide: bool) -> None:
        """Rebuild when the width class or the services change, else update the cells."""
        columns = [
            (key, Text(title, justify="right" if right else "left"))
            for key, wide_label, narrow, right in COLUMNS
            if (title := wide_label if wide else narrow)
        ]
        layout = (wide, tuple(service.name for service in services))
        if layout != self.layout_key:
            row = self.cursor_row
            self.clear(columns=True)
            for key, label in columns:
                self.add_column(label, key=key)
            for service in services:
                self.add_row(*self.cells(service, wide).values(), key=service.name)
            self.layout_key = layout
            self.move_cursor(row=min(row, len(services) - 1))
            return
        for service in services:
            now = {c.value: cell for c, cell in zip(self.columns, self.get_row(service.name))}
            for key, value in self.cells(service, wide).items():
                if now[key] != value:  # unchanged cells cost no refresh
                    self.update_cell(service.name, key, value, update_width=True)

    def selected(self) -> str | None:
        """The name of the service under the cursor."""
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def cells(self, service, wide: bool) -> dict[str, Text]:
        theme = self.app.current_theme
        state = {
            "running": Text("running", style=theme.success or ""),
            "stopped": Text("stopped"),
            "crashed": Text("CRASHED", style=f"bold {theme.error}"),
            "unsure": Text("unsure", style=f"bold {theme.warning}"),
        }.get(service.state, plain(service.state))
        cells = {
            "name": plain(service.name),
            "enabled": Text(enabled_text(service)),
            "state": state,
            "pids": plain(first_and_more(service.pids, wide) or NONE),
            "uptime": Text(uptime_text(service.uptime_s), justify="right"),
            "cpu": Text(cpu_text(service), justify="right"),
            "rss": Text(size_text(service.rss_bytes), justify="right"),
            "listen": plain(first_and_more(service.listen, wide, keep=2) or NONE),
        }
        if wide:
            cells["user"] = plain(service.user or NONE)
        return cells
