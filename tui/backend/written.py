"""What the wizard wrote: /var/db/qmail-wizard/written.json (mode 0600).

For every host file apply wrote, the record keeps the sha256 and the text written,
and the run that wrote it.  A later plan compares them with the file as it is now:
a file changed by hand since is "drift" (issue 6), shown as the wizard's version vs
the current one.  A record that cannot be read is *damaged* (:func:`load` says why):
until it is removed, every managed file that differs from the profile is drift.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from .hosts import Host
from .lock import STATE_DIR
from .private import make_private_dirs

WRITTEN = f"{STATE_DIR}/written.json"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class Record:
    """path -> {"sha256", "text", "run"}; ``damage`` says why the record on the host
    could not be used ("" when it could, or there is none)."""

    files: dict[str, dict] = field(default_factory=dict)
    damage: str = ""


def load(text: str | None) -> Record:
    """The record from its text (None: there is none)."""
    if text is None:
        return Record()
    try:
        data = json.loads(text)
    except ValueError as exc:
        return Record(damage=f"not JSON ({exc})")
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        return Record(damage='no "files" object in it')
    if data.get("version") != 1:
        return Record(damage=f"unknown version {data.get('version')!r}")
    for path, entry in data["files"].items():
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("text"), str)
            and isinstance(entry.get("sha256"), str)
        ):
            return Record(damage=f"the entry of {path} has no text and sha256")
    return Record(data["files"])


def damage_message(reason: str) -> str:
    return (
        f"the drift record {WRITTEN} is damaged: {reason}; remove it to accept the "
        "files as they are. Until then every file qmail-wizard manages that differs "
        "from the profile counts as changed by hand"
    )


def parse(text: str | None) -> dict[str, dict]:
    """path -> {"sha256", "text", "run"}; an absent or damaged record is empty."""
    return load(text).files


def changed_by_hand(entry: dict, now: str | None) -> bool:
    """True when the file (``now``; None: deleted) is no longer what the wizard wrote."""
    return now is None or sha256(now) != entry.get("sha256")


def tidy(host: Host) -> None:
    """Write the record again as it is: a run killed while writing it left a temp copy
    beside it, which only a write of the record sweeps (safefile's stale sweep goes by
    the file's name), and a resumed run may have no file of its own left to record."""
    if host.exists(WRITTEN):
        host.write(WRITTEN, host.read_text(WRITTEN), mode=0o600)


def remember(host: Host, updates: dict[str, str | None], run_id: str) -> None:
    """Record ``path -> text`` the wizard just wrote (None: forget the path)."""
    files = parse(host.read_text(WRITTEN)) if host.exists(WRITTEN) else {}
    # a damaged record is replaced: apply only writes once every drifted file of the
    # damaged record's plan was decided (kept or overwritten)
    for path, text in updates.items():
        if text is None:
            files.pop(path, None)
        else:
            files[path] = {"sha256": sha256(text), "run": run_id, "text": text}
    make_private_dirs(host, [STATE_DIR])
    host.write(
        WRITTEN,
        json.dumps({"version": 1, "files": files}, indent=1, sort_keys=True) + "\n",
        mode=0o600,
    )
