"""The one renderer of service rows: ``qmail-wizard status`` as text (the services
table, the queue line, the log tail), and the cell text of the Dashboard's table.

``size_text`` and ``cpu_text`` are the CLI's and the Dashboard's
(widgets/service_table.py) alike.  Where they differ, by design: uptime is
``duration`` (to the second) in the one-shot text, ``uptime_text`` (to the minute,
so that an idle live table stays still) on the Dashboard; pids and listen addresses
are abbreviated by ``first_and_more`` to fit its 80-column layout.
"""

from __future__ import annotations

from .facts import MAILLOG
from .status import ServiceStatus, Status


def duration(seconds: float | None) -> str:
    """42s, 12m05s, 3h12m, 2d03h; "-" for None."""
    if seconds is None:
        return "-"
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def size_text(count: int) -> str:
    """Bytes as 640K (whole KiB, at least 1K), 1.2M, 3.4G; "-" for none."""
    if count <= 0:
        return "-"
    for unit, scale in (("G", 1 << 30), ("M", 1 << 20)):
        if count >= scale:
            return f"{count / scale:.1f}{unit}"
    return f"{max(1, count >> 10)}K"


def cpu_text(service: ServiceStatus) -> str:
    """CPU % with one decimal; "-" when the service has no process."""
    return f"{service.cpu_percent:.1f}" if service.pids else "-"


NONE = "-"


def uptime_text(seconds: float | None) -> str:
    """<1m (just started), then whole minutes (12m), 2h05m, 3d04h: an idle table changes at
    most once a minute (a state change, a crash included, shows at once in its own cell)."""
    if seconds is None:
        return NONE
    seconds = int(seconds)
    for size, unit, sub_size, sub_unit in ((86400, "d", 3600, "h"), (3600, "h", 60, "m")):
        if seconds >= size:
            return f"{seconds // size}{unit}{seconds % size // sub_size:02d}{sub_unit}"
    return f"{seconds // 60}m" if seconds >= 60 else "<1m"


def first_and_more(items: list, wide: bool, keep: int = 4) -> str:
    """All items (up to ``keep``) when wide, else the first and a count of the rest."""
    shown = list(map(str, items[: keep if wide else 1]))
    more = len(items) - len(shown)
    return (" " if wide else "").join(shown) + (
        f" +{more}" if wide and more else f"+{more}" if more else ""
    )


def enabled_text(service) -> str:
    """Whether rc.conf enables ``service`` (starts it at boot): "yes" or "no"."""
    return "yes" if service.enabled else "no"


HEADER = ("SERVICE", "ENABLED", "STATE", "PID", "UPTIME", "CPU%", "RSS", "LISTEN", "USER")


def render_text(status: Status) -> str:
    """A table of the services, the queue line and the last log lines."""
    rows = [HEADER]
    for s in status.services:
        pid = (
            "-"
            if not s.pids
            else str(s.pids[0]) + (f" +{len(s.pids) - 1}" if len(s.pids) > 1 else "")
        )
        state = s.state.upper() if s.state in ("crashed", "unsure") else s.state
        rows.append(
            (
                s.name,
                enabled_text(s),
                state,
                pid,
                duration(s.uptime_s),
                cpu_text(s),
                size_text(s.rss_bytes),
                ",".join(s.listen) or "-",
                s.user or "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    for s in status.services:
        if s.state in ("crashed", "unsure"):
            why = (
                "enabled in rc.conf but not running"
                if s.state == "crashed"
                else f"rc.d says: {s.rc_status or '?'}; the process list disagrees"
            )
            lines.append(f"! {s.name} {s.state}: {why}; try: /etc/rc.d/{s.name} restart")
    q = status.queue
    lines += [
        "",
        f"queue: {q.messages} message{'s' * (q.messages != 1)}, "
        f"{q.unprocessed} not yet preprocessed, oldest {duration(q.oldest_s)}",
    ]
    count = len(status.log)
    lines += [
        "",
        f"{MAILLOG} (last {count} line{'s' * (count != 1)}):" if count else f"{MAILLOG}: no lines",
    ]
    lines += [f"  {line}" for line in status.log]
    return "\n".join(lines) + "\n"
