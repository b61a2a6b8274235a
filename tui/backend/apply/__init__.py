"""Apply a plan step by step (DESIGN §7): backups, journal, log, lock, resume, undo.

The engine walks STEP_IDS in order.  It plans once at the start and again before a
step whenever the previous step changed something, so every step acts on the real
state: that makes apply idempotent and ``--resume`` a re-plan from the real state.
Files are backed up before they change; every action is logged; each finished step
is journalled; the first failing action stops the run.

The engine is ``runner``; ``resume`` opens a run (new, or the one to continue),
``events`` are its progress reports, ``result`` what it returns, ``undo`` puts a
run's files and services back (``undoplan`` says how, ``packages`` names the
packages it leaves).
"""

from __future__ import annotations

from ..lock import LockHeld
from .events import (
    ActionStarted,
    Failed,
    Finished,
    OutputLine,
    Prompt,
    StepFinished,
    StepStarted,
)
from .result import ApplyError, ApplyResult, Failure
from .runner import apply
from .undo import Undone, execute, preview, undo
from .undoplan import UndoPlan

__all__ = [
    "ActionStarted",
    "ApplyError",
    "ApplyResult",
    "Failed",
    "Failure",
    "Finished",
    "LockHeld",
    "OutputLine",
    "Prompt",
    "StepFinished",
    "StepStarted",
    "UndoPlan",
    "Undone",
    "apply",
    "execute",
    "preview",
    "undo",
]
