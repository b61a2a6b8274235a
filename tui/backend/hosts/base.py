"""The Host interface: every byte the backend reads or writes on a host goes through it."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

DEFAULT_TIMEOUT = 600.0
#: read_user_file's default size limit
USER_FILE_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Result:
    """What a finished command left: exit status and its output."""

    argv: tuple[str, ...]
    rc: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.rc == 0


@dataclass(frozen=True)
class FileStat:
    path: str
    mode: int  # permission bits and type, as os.stat_result.st_mode
    uid: int
    gid: int
    size: int
    mtime: float
    owner: str  # user name on that host ("" when unknown)
    group: str


@dataclass(frozen=True)
class ProcessInfo:
    """One process as the host itself numbers and names it."""

    pid: int
    ppid: int
    name: str
    cmdline: tuple[str, ...]
    user: str
    create_time: float
    status: str
    rss_bytes: int
    cpu_time: float = 0.0  # user + system seconds so far
    machine_pid: int = 0  # the pid on the machine running qmail-wizard


@dataclass(frozen=True)
class Listener:
    """A listening TCP socket."""

    address: str
    port: int
    pid: int | None
    extra: dict = field(default_factory=dict)


def host_port(address: str, port: int) -> str:
    """``address:port``, an IPv6 address in brackets."""
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


class HostError(Exception):
    """A host operation failed; the message names the path or command."""


def check_argv(argv: Sequence[str]) -> tuple[str, ...]:
    """Commands are argv lists of strings, never one shell string."""
    if isinstance(argv, (str, bytes)) or not argv:
        raise TypeError("argv must be a non-empty list of strings, not a shell string")
    items = tuple(argv)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"argv items must be strings, got {item!r}")
        if "\0" in item:
            raise ValueError(f"argv item contains a NUL byte: {item!r}")
    return items


def parse_passwd(text: str) -> dict[int, str]:
    """uid -> name from passwd(5) text (first name wins, as getpwuid does)."""
    names: dict[int, str] = {}
    for line in text.splitlines():
        parts = line.split(":")
        if len(parts) >= 4 and parts[2].isdigit():
            names.setdefault(int(parts[2]), parts[0])
    return names


def parse_group(text: str) -> dict[int, str]:
    return parse_passwd(text)


class Host:
    """Abstract host.  Paths are the host's own (NetBSD) paths."""

    name = "host"
    #: its commands are processes of this machine (their work is this machine's CPU)
    runs_here = False

    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        input: str | None = None,
        cwd: str | None = None,
        errors: str = "replace",
    ) -> Result:
        """``errors``: how output that is not UTF-8 is decoded ("surrogateescape"
        keeps its bytes, for text that is written back)."""
        raise NotImplementedError

    def spawn(
        self, argv: Sequence[str], env: Mapping[str, str] | None = None, cwd: str | None = None
    ):
        """A pexpect child running ``argv`` on the host (for prompts and streaming)."""
        raise NotImplementedError

    def read(self, path: str) -> bytes:
        raise NotImplementedError

    def read_text(self, path: str) -> str:
        """The file as text; bytes that are not UTF-8 survive as surrogate escapes, so
        writing the text back (see as_bytes) keeps them byte for byte."""
        return self.read(path).decode("utf-8", "surrogateescape")

    def read_user_file(
        self, path: str, owner: str | None = None, limit: int = USER_FILE_LIMIT
    ) -> bytes:
        """A file in a directory someone else may control (a home, ~alias): a regular
        file with one link, owned by the user ``owner`` when given, of at most
        ``limit`` bytes; never a symlink, FIFO or device (safefile.Refused says which)."""
        raise NotImplementedError

    def write(
        self,
        path: str,
        data: bytes | str,
        mode: int = 0o644,
        owner: tuple[str, str] | tuple[int, int] | None = None,
    ) -> None:
        """Replace ``path`` atomically (safefile.write_file), owned by ``owner``: names
        or numeric ids (root:wheel when None)."""
        raise NotImplementedError

    def check_writable(self, path: str) -> None:
        """Raise safefile.Refused (or HostError) when write() would refuse ``path``
        for what is there now (a symlink, several links, not a regular file)."""
        raise NotImplementedError

    def remove(self, path: str) -> bool:
        """Remove the file ``path`` (a symlink itself, never what it points to);
        False when there was nothing; a directory is refused."""
        raise NotImplementedError

    def exists(self, path: str) -> bool:
        raise NotImplementedError

    def listdir(self, path: str) -> list[str]:
        raise NotImplementedError

    def stat(self, path: str) -> FileStat:
        raise NotImplementedError

    def read_from(self, path: str, offset: int, limit: int = 1 << 20) -> tuple[bytes, int]:
        """Up to ``limit`` bytes of ``path`` from ``offset``, and the file's size now."""
        data = self.read(path)
        return data[offset : offset + limit], len(data)

    def mtimes(self, path: str) -> dict[str, float]:
        """Entry name -> mtime for every entry of the directory ``path``."""
        return {name: self.stat(f"{path}/{name}").mtime for name in self.listdir(path)}

    def processes(self) -> list[ProcessInfo]:
        raise NotImplementedError

    def still_running(self, procs: list[ProcessInfo]) -> bool:
        """Whether every one of ``procs`` (from ``processes()``) still runs, no zombie."""
        now = {(p.pid, p.create_time) for p in self.processes() if p.status != "zombie"}
        return all((p.pid, p.create_time) in now for p in procs)

    def connect(self, address: str, port: int, timeout: float = 10.0, source: str | None = None):
        """A TCP connection to ``address:port`` as seen from the host (a socket),
        from the host's own address ``source`` when given (e.g. 127.0.0.2)."""
        import socket

        return socket.create_connection(
            (address, port), timeout=timeout, source_address=(source, 0) if source else None
        )

    def listeners(self) -> list[Listener]:
        raise NotImplementedError


def read_span(real_path: str, path: str, offset: int, limit: int) -> tuple[bytes, int]:
    """read_from() on a machine path (``path`` names it in errors)."""
    try:
        with open(real_path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            fh.seek(min(offset, size))
            return fh.read(limit), size
    except OSError as exc:
        raise HostError(f"cannot read {path}: {exc.strerror}") from None


def scan_mtimes(real_path: str, path: str) -> dict[str, float]:
    """mtimes() on a machine path (entries not followed when they are symlinks)."""
    try:
        with os.scandir(real_path) as entries:
            return {e.name: e.stat(follow_symlinks=False).st_mtime for e in entries}
    except OSError as exc:
        raise HostError(f"cannot list {path}: {exc.strerror}") from None


def as_bytes(data: bytes | str) -> bytes:
    """Text as the bytes to write: surrogate escapes (from read_text) become the bytes
    they stand for."""
    return data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data


def owner_ids(
    passwd: Mapping[int, str], group: Mapping[int, str], owner: tuple[str, str] | None
) -> tuple[int, int]:
    """Names -> ids on the host (ids stay ids); unknown names raise HostError naming
    them."""
    if owner is None:
        return 0, 0
    user, grp = owner
    if isinstance(user, int) and isinstance(grp, int):
        return user, grp
    uids = {name: uid for uid, name in passwd.items()}
    gids = {name: gid for gid, name in group.items()}
    if user not in uids:
        raise HostError(f"user {user!r} does not exist on the host")
    if grp not in gids:
        raise HostError(f"group {grp!r} does not exist on the host")
    return uids[user], gids[grp]
