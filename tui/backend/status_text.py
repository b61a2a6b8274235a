"""``qmail-wizard status`` as text: the services table, the queue line, the log tail.

``size_text`` and ``cpu_text`` are also the Dashboard's (widgets/service_table.py), so
that the CLI and the TUI show a service's figures alike.
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
                "yes" if s.enabled else "no",
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
