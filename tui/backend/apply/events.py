"""What apply reports while it runs (its progress events), and a reporter that
prints them on stderr for the headless front end."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable, TextIO

from ..vis import vis
from .result import Failure


@dataclass(frozen=True)
class StepStarted:
    index: int
    total: int
    step_id: str
    title: str


@dataclass(frozen=True)
class ActionStarted:
    text: str


@dataclass(frozen=True)
class OutputLine:
    text: str


@dataclass(frozen=True)
class Prompt:
    """A command asked ``prompt`` after printing ``text``; ``answer`` is being sent."""

    text: str
    prompt: str
    answer: str


@dataclass(frozen=True)
class StepFinished:
    step_id: str
    changed: bool


@dataclass(frozen=True)
class Finished:
    run_id: str
    changed: tuple[str, ...]


@dataclass(frozen=True)
class Failed:
    failure: Failure


def stderr_reporter(stream: TextIO = sys.stderr) -> Callable[[object], None]:
    """A progress callback printing one line per event: ``[N/M] step: command | line``.

    A failure is not shown: the caller prints ``Failure.render(profile)`` once.
    """
    where = {"head": "", "command": ""}

    def show(text: str) -> None:
        print(vis(text), file=stream, flush=True)  # command output is host text

    def report(event) -> None:
        if isinstance(event, StepStarted):
            where["head"] = f"[{event.index}/{event.total}] {event.step_id}"
            show(f"{where['head']}: {event.title}")
        elif isinstance(event, ActionStarted):
            where["command"] = event.text
            show(f"{where['head']}: {event.text}")
        elif isinstance(event, OutputLine):
            show(f"{where['head']}: {where['command']} | {event.text.strip()}")
        elif isinstance(event, Prompt):
            show(f"{where['head']}: {where['command']} asks {event.prompt.strip()!r} after:")
            for line in event.text.splitlines():
                show(f"    {line}")
            show(f"{where['head']}: answering {event.answer!r}")
        elif isinstance(event, StepFinished):
            show(f"{where['head']}: {'changed' if event.changed else 'unchanged'}")
        elif isinstance(event, Finished):
            show(
                f"apply done (run {event.run_id}): {', '.join(event.changed) or 'nothing'} changed"
            )

    return report
