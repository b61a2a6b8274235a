"""The journal of a run: /var/db/qmail-wizard/journal/RUN_ID.json, plus ``last-run``.

It records when the run started, its status (running, failed, done), every finished
step with changed/unchanged, and the failing step and command.  ``last-run`` holds
the id of the newest run; that is the run ``--resume`` and ``undo`` act on.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Callable

from .hosts import Host, HostError
from .lock import STATE_DIR
from .private import make_private_dirs

JOURNAL_DIR = f"{STATE_DIR}/journal"
LAST_RUN = f"{STATE_DIR}/last-run"
RUN_ID_FORMAT = "%Y%m%dT%H%M%SZ"


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def journal_path(run_id: str) -> str:
    return f"{JOURNAL_DIR}/{run_id}.json"


@dataclass
class Journal:
    run_id: str
    started: str
    status: str = "running"
    updated: str = ""
    resumed: list[str] = field(default_factory=list)
    #: step id -> {"changed": bool, "finished": timestamp}, in plan order (a resumed
    #: run finishing a step again updates it in place)
    steps: dict[str, dict] = field(default_factory=dict)
    #: {"step", "command", "status", "detail"} of the last failure, None once done
    failure: dict | None = None

    @property
    def finished(self) -> bool:
        return self.status == "done"

    @property
    def changed(self) -> list[str]:
        return [step for step, info in self.steps.items() if info["changed"]]

    def step_done(self, step_id: str, changed: bool) -> None:
        before = self.steps.get(step_id, {}).get("changed", False)
        self.steps[step_id] = {"changed": changed or before, "finished": now()}

    def save(self, host: Host) -> None:
        self.updated = now()
        make_private_dirs(host, [STATE_DIR, JOURNAL_DIR])
        host.write(journal_path(self.run_id), json.dumps(asdict(self), indent=2) + "\n",
                   mode=0o600)

    @classmethod
    def load(cls, host: Host, run_id: str) -> "Journal":
        try:
            data = json.loads(host.read_text(journal_path(run_id)))
            return cls(**data)
        except (ValueError, TypeError) as exc:
            raise HostError(f"{journal_path(run_id)} is not a journal: {exc}") from None


def last_run(host: Host) -> str | None:
    """The id of the newest run, or None before the first one."""
    if not host.exists(LAST_RUN):
        return None
    return host.read_text(LAST_RUN).strip() or None


def set_last_run(host: Host, run_id: str) -> None:
    host.write(LAST_RUN, run_id + "\n", mode=0o600)


def new_run_id(host: Host, taken: Callable[[str], bool]) -> str:
    """UTC ``YYYYmmddTHHMMSSZ``, with ``-2``, ``-3``... when that id has a journal or
    ``taken(run_id)`` says it is used."""
    base = datetime.now(timezone.utc).strftime(RUN_ID_FORMAT)
    run_id, n = base, 1
    while host.exists(journal_path(run_id)) or taken(run_id):
        n += 1
        run_id = f"{base}-{n}"
    return run_id
