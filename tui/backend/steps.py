"""What a plan is made of: steps with stable ids, each a list of actions.

An action either writes one file (atomic, backed up first) or runs one command
(argv list).  A step with no actions is "unchanged".  The plan is computed from the
profile and the probed host state (:mod:`tui.backend.plan`); apply executes it
(:mod:`tui.backend.apply`).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

#: Every step, in the order they run (DESIGN §7).
STEP_IDS = ("preflight", "mkconf", "packages", "users", "control", "aliases", "maildirs",
            "tcprules", "mta-switch", "rcconf", "services", "verify")


@dataclass(frozen=True)
class WriteFile:
    """Replace ``path`` with ``new`` (``old`` is None when the file does not exist)."""

    path: str
    old: str | None
    new: str
    mode: int = 0o644
    owner: tuple[str, str] = ("root", "wheel")

    def diff(self) -> str:
        before = [] if self.old is None else self.old.splitlines(keepends=True)
        after = self.new.splitlines(keepends=True)
        source = "/dev/null" if self.old is None else f"a{self.path}"
        return "".join(difflib.unified_diff(before, after, source, f"b{self.path}"))

    def describe(self) -> str:
        return f"{'create' if self.old is None else 'edit'} {self.path}"


@dataclass(frozen=True)
class RunCommand:
    """Run ``argv`` on the host.

    ``touches`` are files the command changes (backed up before it runs);
    ``stream`` commands are long (package installs, builds): their output is shown
    line by line; ``answers`` maps a prompt the command prints to the reply to send
    (pkgin's ``proceed ? [Y/n] ``), answered through a pty.
    """

    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    cwd: str | None = None
    input: str | None = None
    touches: tuple[str, ...] = ()
    stream: bool = False
    answers: tuple[tuple[str, str], ...] = ()
    #: exit statuses that count as success (rc.d stop of a stopped service: 1)
    ok_status: tuple[int, ...] = (0,)

    def describe(self) -> str:
        env = " ".join(f"{k}={v}" for k, v in self.env)
        prefix = f"cd {self.cwd} && " if self.cwd else ""
        command = " ".join(_quote(a) for a in self.argv)
        return f"{prefix}{'env ' + env + ' ' if env else ''}{command}"


Action = WriteFile | RunCommand


@dataclass
class Step:
    id: str
    title: str
    actions: list = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    #: why the step does what it does (e.g. why a source build is needed)
    notes: list[str] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(self.actions)


@dataclass
class Plan:
    steps: list[Step]

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    @property
    def pending(self) -> bool:
        return any(step.changes for step in self.steps)


def _quote(arg: str) -> str:
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_")
    if arg and all(c in safe for c in arg):
        return arg
    return "'" + arg.replace("'", "'\\''") + "'"
