"""Apply's live output: each line folded to the pane's width (never cut), as plain text.

Lines fold where the pane ends, as in a terminal: command output is mostly long paths
and numbers, which a word wrap would break before the path and spread over more rows.

Command output is host text: lines are shown without markup, their control characters
as visible escapes (the caller passes them through tui.backend.vis).  ``shown`` keeps
the text of the lines written, for whoever reads the pane back (tests, screenshots).
"""

from __future__ import annotations

from rich.cells import chop_cells
from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text
from textual.widgets import RichLog

#: Lines the pane keeps (and scrolls back through).
MAX_LINES = 500


class Folded:
    """A line of plain text cut into rows of the width it is rendered at."""

    def __init__(self, line: str) -> None:
        self.line = line

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        rows = chop_cells(self.line, max(1, options.max_width)) or [""]
        yield Text("\n".join(rows), no_wrap=True)


class OutputPane(RichLog):
    """A RichLog that wraps long lines and remembers their text."""

    def __init__(self, **kwargs) -> None:
        super().__init__(max_lines=MAX_LINES, min_width=20, wrap=True, **kwargs)
        self.shown: list[str] = []

    def write_line(self, line: str) -> None:
        self.shown.append(line)
        del self.shown[:-MAX_LINES]
        self.write(Folded(line), expand=True)
