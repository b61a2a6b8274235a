"""Headless apply's progress: one line per step (result, time, risky actions), a
live line on a terminal while a step runs, and with ``verbose`` every step start,
action and output line, each prefixed ``[N/M] step:`` (and the output line
``command | ``) so that it greps.  Host text is shown through vis().

The live line (a spinner, the step, a percentage when the output has one, and the
last output line or else the action) is rewritten in place with ``\\r`` and
drawn only when the stream is a terminal: a pipe or a file gets whole lines only.
"""

from __future__ import annotations

import os
import re
import textwrap
import threading
import time
from typing import TextIO

from ..backend import stream as stream_mod
from ..backend.apply import (
    ActionStarted,
    Failed,
    Finished,
    OutputLine,
    Prompt,
    StepFinished,
    StepStarted,
)
from ..backend.vis import vis

#: no line of the default output is wider than this
WIDTH = 100
SPINNER = "-\\|/"
PERCENT = re.compile(r"(\d{1,3})%")
CLEAR = "\r\x1b[K"
REDRAW = 0.05  # seconds: output lines faster than this redraw the live line once


def wrapped(text: str, indent: str = "") -> list[str]:
    """``text`` as lines of at most WIDTH columns, the later ones indented."""
    return textwrap.wrap(
        text, WIDTH, subsequent_indent=indent, break_long_words=True, break_on_hyphens=False
    )


class StepLines:
    """A progress callback for apply (events from tui.backend.apply), thread-safe.

    ``tick()`` redraws the spinner (call it while waiting for the run).  After
    ``stop_soon()`` the run is stopped before its next step or action begins: the
    callback raises ``stream.Cancelled`` there, which the engine reports as a
    cancelled run, so the action under way finishes whole.
    """

    def __init__(self, out: TextIO, verbose: bool = False, live: bool | None = None):
        self.out = out
        self.verbose = verbose
        self.live = out.isatty() if live is None else live
        self.lock = threading.Lock()
        self.step: StepStarted | None = None
        self.started = 0.0
        self.action = ""
        self.last = ""
        self.frame = 0
        self.drawn = False
        self.drew = 0.0  # when the live line was last drawn
        self.stopping = False
        #: (step id, changed) of every step finished in this run
        self.finished: list[tuple[str, bool]] = []

    # -- the callback -----------------------------------------------------------------
    def __call__(self, event: object) -> None:
        with self.lock:
            if self.stopping and isinstance(event, (StepStarted, ActionStarted)):
                raise stream_mod.Cancelled()
            if isinstance(event, StepStarted):
                self.step, self.started, self.action, self.last = event, time.monotonic(), "", ""
                self._verbose(event.title)
            elif isinstance(event, ActionStarted):
                self.action, self.last = event.text, ""
                self._verbose(event.text)
            elif isinstance(event, OutputLine):
                self.last = event.text.strip()
                self._verbose(f"{self.action} | {self.last}")
            elif isinstance(event, Prompt) and self.verbose:
                self._verbose(f"{self.action} asks {event.prompt.strip()!r} after:")
                for line in event.text.splitlines():
                    self._line(f"    {line}")
                self._verbose(f"answering {event.answer!r}")
            elif isinstance(event, StepFinished):
                self.finished.append((event.step_id, event.changed))
                result = "changed" if event.changed else "unchanged"
                self._step_line("checked" if event.step_id == "verify" else result)
                self.step = None
            elif isinstance(event, Failed):
                self._step_line("STOPPED" if event.failure.cancelled else "FAILED")
                self.step = None
            elif isinstance(event, Finished):
                self._clear()
            if self.live and self.step is not None and time.monotonic() - self.drew > REDRAW:
                self._draw()

    def tick(self) -> None:
        with self.lock:
            if self.live and self.step is not None:
                self.frame += 1
                self._draw()

    def stop_soon(self) -> None:
        with self.lock:
            self.stopping = True
            self._clear()

    def say(self, text: str) -> None:
        """A message between the progress lines (the live line is redrawn after it)."""
        with self.lock:
            for line in wrapped(text, "  "):
                self._line(line)
            if self.live and self.step is not None:
                self._draw()

    # -- drawing ----------------------------------------------------------------------
    def _head(self) -> str:
        step = self.step
        return f"[{step.index}/{step.total}]" if step is not None else ""

    def _verbose(self, text: str) -> None:
        """With ``verbose``: ``[N/M] step: text``, a prefix that greps."""
        if self.verbose and self.step is not None:
            self._line(f"{self._head()} {self.step.step_id}: {text}")

    def _step_line(self, result: str) -> None:
        step = self.step
        if step is None:
            return
        took = time.monotonic() - self.started
        risks = "; ".join(step.risks) if step.risks and result == "changed" else ""
        if self.verbose:
            self._verbose(f"{result} in {took:.1f} s" + (f" ({risks})" if risks else ""))
            return
        text = f"{self._head() + ' ' + step.step_id:<19} {result:<9} {took:5.1f} s"
        for line in wrapped(text + (f"  {risks}" if risks else ""), " " * 39):
            self._line(line)

    def _line(self, text: str) -> None:
        self._clear()
        print(vis(text), file=self.out, flush=True)

    def _clear(self) -> None:
        if self.drawn:
            self.out.write(CLEAR)
            self.out.flush()
            self.drawn = False

    def _draw(self) -> None:
        step = self.step
        assert step is not None
        spin = SPINNER[self.frame % len(SPINNER)]
        found = PERCENT.search(self.last)
        now = f" {found.group(1)}%" if found else ""
        text = (
            f"{spin} {self._head()} {step.step_id}{now}: {self.last or self.action or step.title}"
        )
        columns = min(_columns(self.out), WIDTH) - 1
        self.out.write("\r" + vis(text)[:columns] + "\x1b[K")
        self.out.flush()
        self.drawn, self.drew = True, time.monotonic()


def _columns(out: TextIO) -> int:
    try:
        return os.get_terminal_size(out.fileno()).columns or 80
    except (OSError, ValueError):
        return 80
