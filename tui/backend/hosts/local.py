"""LocalHost: the machine qmail-wizard runs on (a NetBSD server, or inside a sandbox)."""

from __future__ import annotations

import grp
import os
import pwd

from . import procview, safefile
from .base import USER_FILE_LIMIT, HostError, as_bytes, check_argv
from .machine import MachineHost


def _name(lookup, ident: int) -> str:
    try:
        return lookup(ident)[0]
    except KeyError:
        return ""


class LocalHost(MachineHost):
    name = "local"

    def _command(self, argv, env, cwd):
        merged = None if env is None else {**os.environ, **env}
        return list(check_argv(argv)), merged, cwd

    # -- files -----------------------------------------------------------------
    def _owner_names(self, uid, gid):
        return _name(pwd.getpwuid, uid), _name(grp.getgrgid, gid)

    def _real(self, path: str) -> str:
        if not path.startswith("/"):
            raise HostError(f"host paths are absolute: {path!r}")
        return path

    def read(self, path: str) -> bytes:
        return safefile.read_file("/", self._real(path), follow=True, single_link=False)

    def read_user_file(self, path, owner=None, limit=USER_FILE_LIMIT) -> bytes:
        uid = None
        if owner is not None:
            try:
                uid = pwd.getpwnam(owner).pw_uid
            except KeyError:
                raise HostError(f"cannot read {path}: no such user {owner!r}") from None
        return safefile.read_file("/", self._real(path), owner=uid, limit=limit)

    def write(self, path, data, mode=0o644, owner=None) -> None:
        uid = gid = 0
        if owner is not None and all(isinstance(i, int) for i in owner):
            uid, gid = owner
        elif owner is not None:
            try:
                uid, gid = pwd.getpwnam(owner[0]).pw_uid, grp.getgrnam(owner[1]).gr_gid
            except KeyError as exc:
                raise HostError(f"cannot write {path}: no such user or group {exc}") from None
        safefile.write_file("/", self._real(path), as_bytes(data), mode=mode, uid=uid, gid=gid)

    def check_writable(self, path) -> None:
        safefile.check_writable("/", self._real(path))

    def remove(self, path) -> bool:
        return safefile.remove_file("/", self._real(path))

    # -- processes -----------------------------------------------------------------
    def processes(self):
        return procview.snapshot(None, lambda uid: _name(pwd.getpwuid, uid))

    def still_running(self, procs):
        return procview.running(procs)

    def listeners(self):
        return procview.listening(lambda pid: True)
