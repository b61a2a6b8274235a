"""The journal of a run: /var/db/qmail-wizard/journal/RUN_ID.json, plus ``last-run``.

It records when the run started, its status (running, failed, done), every finished
step with changed/unchanged, the failing step and command, the rc.d actions the run
took (undo reverses them) and the packages installed when it began (undo names the
ones it added).  ``last-run`` holds
the id of the newest run; that is the run ``--resume`` and ``undo`` act on.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from typing import Callable

from .hosts import Host, HostError
from .lock import STATE_DIR
from .private import make_private_dirs

JOURNAL_DIR = f"{STATE_DIR}/journal"
LAST_RUN = f"{STATE_DIR}/last-run"
RUN_ID_FORMAT = "%Y%m%dT%H%M%SZ"
#: what a run id looks like: the UTC start, ``-N`` when that second was taken
RUN_ID = re.compile(r"[0-9]{8}T[0-9]{6}Z(?:-[1-9][0-9]{0,5})?")
#: the rc.d verbs a run's journal records (what undo reverses)
SERVICE_VERBS = ("start", "stop", "restart", "reload")
RCD_SCRIPT = re.compile(r"/etc/rc\.d/([a-z][a-z0-9_]*)")
RUN_ID_SHOWN = "YYYYmmddTHHMMSSZ, e.g. 20170406T120000Z, or with -2, -3... after it"


class Damaged(HostError):
    """A record of the wizard's (journal, last-run) cannot be used; says which and why."""


def check_run_id(run_id: str) -> str:
    """``run_id`` when it has the run-id format; HostError naming it and the format."""
    if not isinstance(run_id, str) or not RUN_ID.fullmatch(run_id):
        raise HostError(f"{run_id!r} is not a run id: run ids look like {RUN_ID_SHOWN}")
    return run_id


def service_action(argv) -> tuple[str, str] | None:
    """(service, verb) when ``argv`` is ``/etc/rc.d/SERVICE VERB``, else None."""
    if len(argv) == 2 and argv[1] in SERVICE_VERBS:
        match = RCD_SCRIPT.fullmatch(argv[0])
        if match:
            return match[1], argv[1]
    return None


def run_ids(host: Host) -> list[str]:
    """The ids of every journalled run, oldest first."""
    if not host.exists(JOURNAL_DIR):
        return []
    ids = [n[: -len(".json")] for n in host.listdir(JOURNAL_DIR) if n.endswith(".json")]
    return sorted((i for i in ids if RUN_ID.fullmatch(i)), key=_run_order)


def _run_order(run_id: str) -> tuple[str, int]:
    base, _, n = run_id.partition("-")
    return base, int(n or 1)


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def journal_path(run_id: str) -> str:
    return f"{JOURNAL_DIR}/{check_run_id(run_id)}.json"


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
    #: [service, verb] of every rc.d start, stop, restart or reload that succeeded, in order
    services: list[list[str]] = field(default_factory=list)
    #: the package names installed when the run began (None: not known)
    packages_before: list[str] | None = None

    @property
    def finished(self) -> bool:
        return self.status == "done"

    @property
    def changed(self) -> list[str]:
        return [step for step, info in self.steps.items() if info["changed"]]

    def command_done(self, argv) -> bool:
        """Record ``argv`` if it is a service's rc.d action; True when recorded."""
        action = service_action(argv)
        if action is not None:
            self.services.append(list(action))
        return action is not None

    def step_done(self, step_id: str, changed: bool) -> None:
        before = self.steps.get(step_id, {}).get("changed", False)
        self.steps[step_id] = {"changed": changed or before, "finished": now()}

    def save(self, host: Host) -> None:
        self.updated = now()
        make_private_dirs(host, [STATE_DIR, JOURNAL_DIR])
        host.write(journal_path(self.run_id), json.dumps(asdict(self), indent=2) + "\n", mode=0o600)

    @classmethod
    def load(cls, host: Host, run_id: str) -> Journal:
        """The journal of ``run_id``; Damaged when it is not one."""
        path = journal_path(run_id)
        try:
            data = json.loads(host.read_text(path))
        except ValueError as exc:
            raise _damaged(path, f"not JSON ({exc})") from None
        problem = _shape(data, run_id)
        if problem:
            raise _damaged(path, problem)
        return cls(**data)


_TYPES: dict[str, type | tuple[type, ...]] = {
    "run_id": str,
    "started": str,
    "status": str,
    "updated": str,
    "resumed": list,
    "steps": dict,
    "failure": (dict, type(None)),
    "services": list,
    "packages_before": (list, type(None)),
}
_STATUSES = ("running", "failed", "done")


def _shape(data, run_id: str) -> str:
    """What is wrong with a journal's JSON (\"\" when nothing)."""
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not an object"
    known = {f.name for f in fields(Journal)}
    extra = sorted(set(data) - known)
    if extra:
        return f"unknown field {extra[0]!r}"
    for name in ("run_id", "started"):
        if name not in data:
            return f"no {name!r} field"
    for name, kinds in _TYPES.items():
        if name in data and not isinstance(data[name], kinds):
            return f"{name!r} is a {type(data[name]).__name__}"
    if data["run_id"] != run_id:
        return f"it names run {data['run_id']!r}"
    if data.get("status", "running") not in _STATUSES:
        return f"unknown status {data['status']!r}"
    if not all(
        isinstance(info, dict) and isinstance(info.get("changed"), bool)
        for info in data.get("steps", {}).values()
    ):
        return "a step without a changed flag"
    if not all(
        isinstance(a, list)
        and len(a) == 2
        and RCD_SCRIPT.fullmatch(f"/etc/rc.d/{a[0]}")
        and a[1] in SERVICE_VERBS
        for a in data.get("services", [])
    ):
        return "a service action that is not [service, verb]"
    if not all(isinstance(p, str) for p in data.get("packages_before") or []):
        return "a package name that is not a string"
    return ""


def _damaged(path: str, reason: str) -> Damaged:
    return Damaged(f"the journal {path} is damaged: {reason}")


def last_run(host: Host) -> str | None:
    """The id of the newest run, or None before the first one; Damaged when the
    record holds something that is not a run id."""
    if not host.exists(LAST_RUN):
        return None
    text = host.read_text(LAST_RUN).strip()
    if text and not RUN_ID.fullmatch(text):
        raise Damaged(
            f"the record of the newest run {LAST_RUN} is damaged: it holds "
            f"{text[:40]!r}, not a run id"
        )
    return text or None


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


@dataclass(frozen=True)
class Unfinished:
    """A run that did not finish: its id, journal status and the step it stopped in."""

    run_id: str
    status: str  # "running" (interrupted) or "failed"
    step: str  # "" when not known

    def describe(self) -> str:
        where = f" in step '{self.step}'" if self.step else ""
        how = "failed" if self.status == "failed" else "was interrupted"
        return f"The last apply (run {self.run_id}) {how}{where}."


def unfinished(host: Host) -> Unfinished | None:
    """The newest run when it did not finish (what ``apply --resume`` continues), None
    when it finished, when there is none, or when its journal is damaged."""
    try:
        run_id = last_run(host)
        if run_id is None or not host.exists(journal_path(run_id)):
            return None
        record = Journal.load(host, run_id)
    except (Damaged, HostError):
        return None
    if record.finished:
        return None
    step = (record.failure or {}).get("step", "")
    return Unfinished(run_id, record.status, step if isinstance(step, str) else "")
