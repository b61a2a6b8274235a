"""LocalHost: the machine qmail-wizard runs on (a NetBSD server, or inside a sandbox)."""

from __future__ import annotations

import grp
import os
import pwd
import subprocess
from collections.abc import Mapping, Sequence

from . import procview, safefile
from .base import (
    DEFAULT_TIMEOUT,
    USER_FILE_LIMIT,
    FileStat,
    Host,
    HostError,
    Result,
    as_bytes,
    check_argv,
    read_span,
    scan_mtimes,
)


def _name(lookup, ident: int) -> str:
    try:
        return lookup(ident)[0]
    except KeyError:
        return ""


class LocalHost(Host):
    name = "local"

    def _command(self, argv: Sequence[str]) -> list[str]:
        return list(check_argv(argv))

    def _env(self, env: Mapping[str, str] | None) -> dict | None:
        if env is None:
            return None
        merged = dict(os.environ)
        merged.update(env)
        return merged

    def run(
        self, argv, env=None, timeout=DEFAULT_TIMEOUT, input=None, cwd=None, errors="replace"
    ) -> Result:
        command = self._command(argv)
        try:
            done = subprocess.run(
                command,
                env=self._env(env),
                input=input,
                capture_output=True,
                text=True,
                errors=errors,
                timeout=timeout,
                cwd=cwd,
                stdin=None if input is not None else subprocess.DEVNULL,
                start_new_session=True,  # daemons it starts must not get our terminal's SIGHUP
                check=False,
            )
        except FileNotFoundError:
            return Result(tuple(argv), 127, "", f"{argv[0]}: not found\n")
        except subprocess.TimeoutExpired:
            raise HostError(f"'{' '.join(argv)}' did not finish within {timeout:.0f} s") from None
        return Result(tuple(argv), done.returncode, done.stdout, done.stderr)

    def spawn(self, argv, env=None, cwd=None):
        import pexpect

        command = self._command(argv)
        return pexpect.spawn(
            command[0],
            command[1:],
            env=self._env(env),
            cwd=cwd,
            encoding="utf-8",
            codec_errors="replace",
            timeout=None,
            dimensions=(24, 200),
        )

    # -- files -----------------------------------------------------------------
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

    def exists(self, path: str) -> bool:
        return os.path.exists(self._real(path))

    def listdir(self, path: str) -> list[str]:
        try:
            return sorted(os.listdir(self._real(path)))
        except OSError as exc:
            raise HostError(f"cannot list {path}: {exc.strerror}") from None

    def stat(self, path: str) -> FileStat:
        try:
            st = os.stat(self._real(path))
        except OSError as exc:
            raise HostError(f"cannot stat {path}: {exc.strerror}") from None
        return FileStat(
            path,
            st.st_mode,
            st.st_uid,
            st.st_gid,
            st.st_size,
            st.st_mtime,
            _name(pwd.getpwuid, st.st_uid),
            _name(grp.getgrgid, st.st_gid),
        )

    def read_from(self, path, offset, limit=1 << 20):
        return read_span(self._real(path), path, offset, limit)

    def mtimes(self, path):
        return scan_mtimes(self._real(path), path)

    # -- processes -----------------------------------------------------------------
    def processes(self):
        return procview.snapshot(None, lambda uid: _name(pwd.getpwuid, uid))

    def still_running(self, procs):
        return procview.running(procs)

    def listeners(self):
        return procview.listening(lambda pid: True)
