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

from .hosts import Host, HostError
from .private import lineage, make_private_dirs, run_checked

BACKUP_ROOT = "/var/backups/qmail-wizard"


def run_dir(run_id: str) -> str:
    return f"{BACKUP_ROOT}/{run_id}"


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
            entry = {"existed": True, "mode": stat.S_IMODE(st.mode),
                     "owner": [st.owner, st.group], "ids": [st.uid, st.gid]}
        else:
            entry = {"existed": False}
        self.manifest[path] = entry
        self.host.write(self.manifest_path, json.dumps(self.manifest, indent=2) + "\n",
                        mode=0o600)
        return True


def load_manifest(host: Host, run_id: str) -> dict[str, dict]:
    path = f"{run_dir(run_id)}/MANIFEST"
    if not host.exists(path):
        raise HostError(f"run {run_id} has no backups ({path} does not exist)")
    try:
        return json.loads(host.read_text(path))
    except ValueError as exc:
        raise HostError(f"{path} is not a backup manifest: {exc}") from None


def restore(host: Host, run_id: str) -> list[str]:
    """Put back every file run ``run_id`` backed up (absent ones are deleted)."""
    restored = []
    for path, entry in sorted(load_manifest(host, run_id).items()):
        if entry["existed"]:
            data = host.read(run_dir(run_id) + path)
            user, group = entry["owner"]
            if user and group:
                host.write(path, data, mode=entry["mode"], owner=(user, group))
            else:
                host.write(path, data, mode=entry["mode"], owner=None)
                run_checked(host, ["chown", "{}:{}".format(*entry["ids"]), "--", path])
        elif host.exists(path):
            run_checked(host, ["rm", "-f", "--", path])
        restored.append(path)
    return restored


def _absolute(path: str) -> str:
    if not path.startswith("/"):
        raise HostError(f"cannot back up {path!r}: host paths are absolute")
    return posixpath.normpath(path)

