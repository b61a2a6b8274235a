"""Messages the screens' workers post to their screen, and the screens post up to the App.

Attributes down, messages up: the App and a screen set what a screen or widget shows;
a worker's result or a step's "go on" travels up as one of these.  Widgets' own
messages stay with their widget (``Field.Changed``: Textual names the handler after it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from textual.screen import Screen

    from .backend.apply import ApplyResult
    from .backend.hostsummary import HostSummary
    from .backend.journal import Unfinished
    from .backend.status import Status
    from .backend.steps import Plan
    from .backend.verify import Check


@dataclass
class Advance(Message):
    """The step's answers are accepted: the App opens the step after ``step`` in FLOW."""

    step: type[Screen]


# -- Welcome and Options (the probe's two stages) --------------------------------
@dataclass
class Probed(Message):
    """The host probe's summary (bubbles up to the App: it may open the Dashboard)."""

    summary: HostSummary
    #: the newest apply run when it did not finish (the App offers to resume it)
    unfinished: Unfinished | None = None


@dataclass
class ProbeFailed(Message):
    error: str


@dataclass
class CatalogRead(Message):
    """The probe's second stage is in: ``session.catalog`` and ``session.profile``."""


@dataclass
class CatalogFailed(Message):
    error: str


# -- Review -------------------------------------------------------------------------
@dataclass
class Planned(Message):
    plan: Plan
    method: str
    #: the profile's version of each drifted file
    versions: dict[str, str]


@dataclass
class PlanFailed(Message):
    text: str


# -- Apply --------------------------------------------------------------------------
@dataclass
class Progressed(Message):
    """One progress event of the apply engine."""

    event: object


@dataclass
class ApplyEnded(Message):
    """The run ended (its checks are in ``result.checks`` and ``session.checks``)."""

    result: ApplyResult


@dataclass
class ApplyRefused(Message):
    """Apply could not start; ``text`` says why."""

    text: str


# -- Done ---------------------------------------------------------------------------
@dataclass
class Verified(Message):
    checks: list[Check]
    log: str


@dataclass
class VerifyFailed(Message):
    error: str


# -- Dashboard ----------------------------------------------------------------------
@dataclass
class StatusRead(Message):
    status: Status


@dataclass
class StatusFailed(Message):
    error: str


@dataclass
class ActionDone(Message):
    """An action ended; ``text`` is what the result line shows."""

    text: str
    ok: bool
