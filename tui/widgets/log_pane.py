"""A log pane that follows a syslog file from its successive tails (the last N lines).

Lines are wrapped to the pane, and the syslog prefix "Nov 28 17:57:09 mail " is shown
as "17:57:09 " (the date and the host name are the same on every line of a live tail).
Anyone can write to the mail log: lines are shown as plain text (no markup), their
control characters as visible escapes (tui.backend.vis).
"""

from __future__ import annotations

import re

from rich.text import Text
from textual.widgets import RichLog

from ..backend.vis import vis

SYSLOG_PREFIX = re.compile(r"^\w{3} [ \d]\d (\d\d:\d\d:\d\d) \S+ ")


def overlap(old: list[str], new: list[str]) -> int:
    """The largest k such that the last k lines of ``old`` are the first k of ``new``."""
    for k in range(min(len(old), len(new)), 0, -1):
        if old[-k:] == new[:k]:
            return k
    return 0


def short(line: str) -> str:
    return SYSLOG_PREFIX.sub(r"\1 ", line)


class LogPane(RichLog):
    """Appends, from each tail it is given, the lines it has not shown yet."""

    def __init__(self, **kwargs) -> None:
        super().__init__(max_lines=500, min_width=20, wrap=True, **kwargs)
        self.tail: list[str] = []
        self.shown: list[str] = []

    def follow(self, tail: list[str]) -> None:
        new = tail[overlap(self.tail, tail) :]
        self.tail = list(tail)
        for line in new:
            self.shown.append(vis(short(line)))
            self.write(Text(self.shown[-1]), expand=True)
        del self.shown[:-500]
