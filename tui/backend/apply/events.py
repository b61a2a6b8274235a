"""What apply reports while it runs: its progress events (the front ends present
them: tui.commands.progress, the TUI's Apply screen)."""

from __future__ import annotations

from dataclasses import dataclass

from .result import Failure


@dataclass(frozen=True)
class StepStarted:
    index: int
    total: int
    step_id: str
    title: str
    #: the step's risky actions ("stops postfix"), as its plan says
    risks: tuple[str, ...] = ()


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
