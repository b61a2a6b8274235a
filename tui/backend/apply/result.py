"""What apply and undo return or raise: the result of a run and its failure."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import backup
from ..runlog import log_path


class ApplyError(Exception):
    """Apply or undo cannot start (nothing to resume, no such run); says why."""


@dataclass(frozen=True)
class Failure:
    run_id: str
    step: str
    command: str  # the action's text (RunCommand.describe(), "edit /etc/rc.conf")
    status: int | None  # exit status; None when it did not exit (cancelled, host error)
    detail: str  # what happened, e.g. "exited with status 1"
    log: str
    last_output: str = ""
    cancelled: bool = False

    def render(self, profile: str = "PROFILE") -> str:
        """The one-paragraph message, with the profile path the user applied."""
        action = f"`{self.command}` " if self.command else ""
        seen = f' Its last output line: "{self.last_output}".' if self.last_output else ""
        todo = "To continue, run" if self.cancelled else "Fix the cause, then run"
        return (
            f"apply stopped in step '{self.step}': {action}{self.detail}.{seen} "
            f"Nothing after it was executed; every file changed before it was backed "
            f"up under {backup.run_dir(self.run_id)}/. The full output is in {self.log}. "
            f"{todo}: qmail-wizard apply {profile} --resume "
            f"(or put the files back with: qmail-wizard undo --run {self.run_id})"
        )

    @property
    def message(self) -> str:
        return self.render()


@dataclass
class ApplyResult:
    ok: bool
    run_id: str
    #: step ids that changed something in this run (a resumed run included)
    changed: list[str] = field(default_factory=list)
    failure: Failure | None = None
    resumed: bool = False
    #: things the user should know, e.g. an unfinished earlier run that was not resumed
    notes: list[str] = field(default_factory=list)
    #: the verify step's checks (tui.backend.verify.Check); a failing one fails the run
    checks: list = field(default_factory=list)

    @property
    def log(self) -> str:
        return log_path(self.run_id)
