"""What a plan is made of: steps with stable ids, each a list of actions.

An action either writes one file (atomic, backed up first) or runs one command
(argv list).  A step with no actions is "unchanged".  The plan is computed from the
profile and the probed host state (:mod:`tui.backend.plan`); apply executes it
(:mod:`tui.backend.apply`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from .hoststate import Effect

#: Every step, in the order they run (DESIGN §7).
STEP_IDS = (
    "preflight",
    "mkconf",
    "packages",
    "users",
    "control",
    "aliases",
    "maildirs",
    "tcprules",
    "mta-switch",
    "rcconf",
    "services",
    "verify",
)


#: who owns a file the wizard creates without naming an owner
NEW_FILE_OWNER = ("root", "wheel")


@dataclass(frozen=True)
class WriteFile:
    """Replace ``path`` with ``new`` (``old`` is None when the file does not exist).

    A ``bookkeeping`` write is the wizard's own record (under /var/db/qmail-wizard/):
    apply writes it, but it is no change to the host (the step stays "unchanged").
    ``owner`` None keeps an existing file's owner and group (a new file gets
    root:wheel).
    """

    path: str
    old: str | None
    new: str
    mode: int = 0o644
    owner: tuple[str, str] | None = None
    bookkeeping: bool = False

    def diff(self) -> str:
        before = [] if self.old is None else self.old.splitlines(keepends=True)
        after = self.new.splitlines(keepends=True)
        source = "/dev/null" if self.old is None else f"a{self.path}"
        return "".join(difflib.unified_diff(before, after, source, f"b{self.path}"))

    def owner_text(self) -> str:
        if self.owner:
            return ":".join(self.owner)
        return ":".join(NEW_FILE_OWNER) if self.old is None else "owner kept"

    def describe(self) -> str:
        if self.bookkeeping:
            return f"record {self.path} (wizard bookkeeping)"
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
    #: what a failure means and where to look, said after the exit status
    failure: str = ""
    #: all the command changes of what a probe reads, when that is known (the apply
    #: then updates its view of the host instead of probing it again)
    effect: Effect | None = None

    def describe(self) -> str:
        env = " ".join(f"{k}={v}" for k, v in self.env)
        prefix = f"cd {self.cwd} && " if self.cwd else ""
        command = " ".join(_quote(a) for a in self.argv)
        return f"{prefix}{'env ' + env + ' ' if env else ''}{command}"


Action = WriteFile | RunCommand


def host_change(action) -> bool:
    """True unless ``action`` only writes the wizard's own bookkeeping."""
    return not (isinstance(action, WriteFile) and action.bookkeeping)


@dataclass(frozen=True)
class Drift:
    """``path`` was changed by hand since the wizard wrote it (``wrote``), and the plan
    would write it again.  ``now`` is None when the file was deleted; ``wrote`` is
    None when unknown (the drift record is damaged: the file differs from the
    profile, and whoever made it so counts as the admin); ``resolution`` is "keep"
    (not written), "overwrite" (written, after a backup) or "" (undecided: apply
    refuses)."""

    path: str
    wrote: str | None
    now: str | None
    resolution: str = ""

    def diff(self) -> str:
        """What changed by hand: the wizard's version -> the file now ("" when the
        wizard's version is unknown)."""
        if self.wrote is None:
            return ""
        after = [] if self.now is None else self.now.splitlines(keepends=True)
        return "".join(
            difflib.unified_diff(
                self.wrote.splitlines(keepends=True),
                after,
                f"qmail-wizard wrote {self.path}",
                "/dev/null (deleted)" if self.now is None else f"now {self.path}",
            )
        )


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
        """True when an action changes the host (bookkeeping writes do not)."""
        return any(host_change(a) for a in self.actions)


@dataclass
class Plan:
    steps: list[Step]
    #: files changed by hand since the wizard wrote them that this plan writes (or keeps)
    drift: list[Drift] = field(default_factory=list)
    #: why the drift record cannot be used, for the admin ("" when it can)
    damage: str = ""

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    @property
    def pending(self) -> bool:
        return any(step.changes for step in self.steps)

    @property
    def undecided(self) -> list[Drift]:
        """Drifted files nobody chose for: apply refuses to overwrite them."""
        return [d for d in self.drift if not d.resolution]


def _quote(arg: str) -> str:
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_")
    if arg and all(c in safe for c in arg):
        return arg
    return "'" + arg.replace("'", "'\\''") + "'"
