"""Backups of one run: /var/backups/qmail-wizard/RUN_ID/<path> plus a MANIFEST.

A file is saved the first time the run touches it: its bytes (mode 0600, root
only, directories 0700) or, when it did not exist, just "absent".  MANIFEST (json)
maps each path to ``existed``, ``mode``, ``owner`` and ``ids`` (uid, gid), so
:func:`restore` can put every file back byte for byte, or delete it.
"""

from __future__ import annotations

import json
import posixpath
import stat
from typing import Callable

from .hosts import Host, HostError
from .journal import check_run_id
from .private import lineage, make_private_dirs

BACKUP_ROOT = "/var/backups/qmail-wizard"


def run_dir(run_id: str) -> str:
    return f"{BACKUP_ROOT}/{check_run_id(run_id)}"


class Backups:
    """The backups of run ``run_id`` (reloaded from the host when resuming)."""

    def __init__(self, host: Host, run_id: str):
        self.host = host
        self.dir = run_dir(run_id)
        self.manifest_path = f"{self.dir}/MANIFEST"
        self.manifest = load_manifest(host, run_id) if host.exists(self.manifest_path) else {}

    def copy_path(self, path: str) -> str:
        return self.dir + path

    def save(self, path: str) -> bool:
        """Back ``path`` up unless this run already did; True when saved now."""
        path = _absolute(path)
        if path in self.manifest:
            return False
        make_private_dirs(self.host, lineage(BACKUP_ROOT, posixpath.dirname(self.copy_path(path))))
        if self.host.exists(path):
            st = self.host.stat(path)
            if not stat.S_ISREG(st.mode):
                raise HostError(f"cannot back up {path}: not a regular file")
            self.host.write(self.copy_path(path), self.host.read(path), mode=0o600)
            entry = {
                "existed": True,
                "mode": stat.S_IMODE(st.mode),
                "owner": [st.owner, st.group],
                "ids": [st.uid, st.gid],
            }
        else:
            entry = {"existed": False}
        self.manifest[path] = entry
        self.host.write(self.manifest_path, json.dumps(self.manifest, indent=2) + "\n", mode=0o600)
        return True


#: the largest MANIFEST and backup copy undo reads
COPY_LIMIT = 16 << 20


def load_manifest(host: Host, run_id: str) -> dict[str, dict]:
    """Run ``run_id``'s MANIFEST, every entry checked (:func:`check_entry`); it must be
    root's, a regular file with one link, never a symlink."""
    path = f"{run_dir(check_run_id(run_id))}/MANIFEST"
    if not host.exists(path):
        raise HostError(f"run {run_id} has no backups ({path} does not exist)")
    try:
        manifest = json.loads(
            host.read_user_file(path, owner="root", limit=COPY_LIMIT).decode("utf-8")
        )
    except ValueError as exc:
        raise HostError(f"{path} is not a backup manifest: {exc}") from None
    if not isinstance(manifest, dict):
        raise HostError(f"{path} is not a backup manifest: not a JSON object")
    for entry_path, entry in manifest.items():
        problem = check_entry(entry_path, entry)
        if problem:
            raise HostError(
                f"{path} is refused: its entry {entry_path!r} {problem}; nothing was restored"
            )
    return manifest


def check_entry(path: str, entry) -> str:
    """What is wrong with one MANIFEST entry ("" when nothing): the path must be
    absolute and normal (no ``..``, so its copy lies inside the run's directory) and
    outside the backups; the entry must have the shape :meth:`Backups.save` gives."""
    if (
        not path.startswith("/")
        or posixpath.normpath(path) != path
        or path == "/"
        or "\0" in path
        or path.startswith("//")
    ):
        return "is not a normal absolute path (it would point outside the run's backups)"
    if path == BACKUP_ROOT or path.startswith(BACKUP_ROOT + "/"):
        return f"points into {BACKUP_ROOT}"
    if not isinstance(entry, dict) or not isinstance(entry.get("existed"), bool):
        return "has no existed flag"
    if not entry["existed"]:
        return ""
    mode, ids = entry.get("mode"), entry.get("ids")
    if not isinstance(mode, int) or isinstance(mode, bool) or not 0 <= mode <= 0o7777:
        return "has no valid mode"
    if not (
        isinstance(ids, list)
        and len(ids) == 2
        and all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < 2**32 for i in ids)
    ):
        return "has no valid owner ids"
    return ""


def restore(host: Host, run_id: str, first: Callable[[], None] | None = None) -> list[str]:
    """Put back every file run ``run_id`` backed up (absent ones are deleted).

    ``first`` runs once every check passed, before the first write (undo stops the
    services the run started there, while their files are still in place).

    Only the paths of the run's MANIFEST, each from its own copy in the run's
    directory (root's, one link).  Every destination is checked before the first
    write: a symlink or a file with several links there refuses the whole undo
    (safefile.Refused naming it), and writes never follow one.
    """
    manifest = load_manifest(host, run_id)
    copies = {}
    for path, entry in sorted(manifest.items()):
        if entry["existed"]:
            copy = run_dir(run_id) + path
            if not host.exists(copy):
                raise HostError(f"the backup of {path} ({copy}) is missing; nothing was restored")
            copies[path] = host.read_user_file(copy, owner="root", limit=COPY_LIMIT)
            try:
                host.check_writable(path)
            except HostError as exc:
                raise type(exc)(
                    f"{exc}; nothing was restored. Put a regular file "
                    f"there (or remove what is there), then undo again"
                ) from None
    if first is not None:
        first()
    restored = []
    for path, entry in sorted(manifest.items()):
        if entry["existed"]:
            host.write(path, copies[path], mode=entry["mode"], owner=tuple(entry["ids"]))
        else:
            host.remove(path)
        restored.append(path)
    return restored


def _absolute(path: str) -> str:
    if not path.startswith("/"):
        raise HostError(f"cannot back up {path!r}: host paths are absolute")
    return posixpath.normpath(path)
