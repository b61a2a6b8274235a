"""MachineHost: what LocalHost and SandboxHost share, a host whose commands are
processes of this machine and whose files lie at paths of this machine (from ``/``,
or inside a sandbox's root)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence

from .base import DEFAULT_TIMEOUT, FileStat, Host, HostError, Result, read_span, scan_mtimes


class MachineHost(Host):
    """Subclasses say how a host's command and path become the machine's."""

    runs_here = True

    def _command(
        self, argv: Sequence[str], env: Mapping[str, str] | None, cwd: str | None
    ) -> tuple[list[str], dict | None, str | None]:
        """The machine's argv, environment (None: this one's) and directory that run
        ``argv`` with ``env`` added, in ``cwd``, on the host."""
        raise NotImplementedError

    def _stderr(self, argv: Sequence[str], rc: int, stderr: str) -> str:
        """A finished command's stderr as the host shows it."""
        return stderr

    def _real(self, path: str) -> str:
        """The machine path of the host's absolute ``path``."""
        raise NotImplementedError

    def _owner_names(self, uid: int, gid: int) -> tuple[str, str]:
        """The host's names of user ``uid`` and group ``gid`` ("" when it has none)."""
        raise NotImplementedError

    # -- commands ----------------------------------------------------------------
    def run(
        self, argv, env=None, timeout=DEFAULT_TIMEOUT, input=None, cwd=None, errors="replace"
    ) -> Result:
        command, machine_env, machine_cwd = self._command(argv, env, cwd)
        try:
            done = subprocess.run(
                command,
                env=machine_env,
                input=input,
                capture_output=True,
                text=True,
                errors=errors,
                timeout=timeout,
                cwd=machine_cwd,
                stdin=None if input is not None else subprocess.DEVNULL,
                start_new_session=True,  # daemons it starts must not get our terminal's SIGHUP
                check=False,
            )
        except FileNotFoundError:
            if command[0] != argv[0]:  # the machine's tool that enters the host is missing
                raise
            return Result(tuple(argv), 127, "", f"{argv[0]}: not found\n")
        except subprocess.TimeoutExpired:
            raise HostError(f"'{' '.join(argv)}' did not finish within {timeout:.0f} s") from None
        stderr = self._stderr(argv, done.returncode, done.stderr)
        return Result(tuple(argv), done.returncode, done.stdout, stderr)

    def spawn(self, argv, env=None, cwd=None):
        import pexpect

        command, machine_env, machine_cwd = self._command(argv, env, cwd)
        return pexpect.spawn(
            command[0],
            command[1:],
            env=machine_env,
            cwd=machine_cwd,
            encoding="utf-8",
            codec_errors="replace",
            timeout=None,
            dimensions=(24, 200),
        )

    # -- files -------------------------------------------------------------------
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
            *self._owner_names(st.st_uid, st.st_gid),
        )

    def read_from(self, path, offset, limit=1 << 20):
        return read_span(self._real(path), path, offset, limit)

    def mtimes(self, path):
        return scan_mtimes(self._real(path), path)
