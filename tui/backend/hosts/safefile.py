"""File operations that hold in directories someone other than root controls.

Every path is walked from a root directory (``/`` for the local machine, the sandbox's
tree for a sandbox) one component at a time, each opened relative to its parent's
descriptor with ``O_NOFOLLOW``: a racer swapping a path component cannot redirect the
operation, and nothing outside the root is ever reached.  A symbolic link on the way
is followed only when it is *trusted*: owned by root (or by the user running the
wizard) and in a directory nobody else can write to; the last component is followed
only where the caller allows it.

- :func:`read_file` reads a regular file (one link and the expected owner when asked),
  with a size limit; anything else raises :class:`Refused` before a byte is read.
- :func:`write_file` replaces a file atomically: a temp file with a random name made
  with ``O_CREAT|O_EXCL|O_NOFOLLOW``, ``fchown``/``fchmod``/``fsync`` on its
  descriptor, then ``rename`` in the same directory.  It refuses a destination that is
  a symbolic link or has more than one link.
- :func:`check_writable` says whether :func:`write_file` would refuse a destination,
  writing nothing (to refuse a whole batch before its first write).
- :func:`remove_file` removes one directory entry, never following it.
- :func:`remove_stale_temps` removes the temp files of killed writers.
"""

from __future__ import annotations

import errno
import os
import re
import stat

from .base import USER_FILE_LIMIT, HostError

#: uids whose symlinks (in directories only they can write to) are followed
TRUSTED_UIDS = frozenset({0, os.geteuid()})
MAX_SYMLINKS = 40
__all__ = [
    "USER_FILE_LIMIT",
    "Refused",
    "check_writable",
    "read_file",
    "remove_file",
    "remove_stale_temps",
    "write_file",
]
TEMP_MARK = ".qw-tmp-"
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class Refused(HostError):
    """A file was not read or written because of what it is; the message says so."""


def kind(mode: int) -> str:
    """What a file of ``mode`` is, in words."""
    for test, words in (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return words
    return "a regular file" if stat.S_ISREG(mode) else "a special file"


def _size(limit: int) -> str:
    return f"{limit // 1024} KiB" if limit % 1024 == 0 else f"{limit} bytes"


def _trusted(dir_fd: int, link: os.stat_result) -> bool:
    """A symlink only trusted users can have made or changed."""
    parent = os.fstat(dir_fd)
    return (
        link.st_uid in TRUSTED_UIDS
        and link.st_nlink == 1
        and parent.st_uid in TRUSTED_UIDS
        and not parent.st_mode & 0o022
    )


def _lstat(dir_fd: int, name: str) -> os.stat_result | None:
    try:
        return os.lstat(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return None


class _Walk:
    """The directory holding a path's last component, opened component by component."""

    def __init__(self, root: str, path: str, verb: str, follow_last: bool):
        if not path.startswith("/"):
            raise HostError(f"host paths are absolute: {path!r}")
        self.path, self.verb = path, verb
        self.stack: list[int] = []  # descriptors below the root
        self.shown: list[str] = []  # the host's names of those directories
        try:
            self.root = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as exc:
            raise HostError(f"cannot {verb} {path}: {root}: {exc.strerror}") from None
        try:
            self.name = self._walk([p for p in path.split("/") if p], follow_last)
        except OSError as exc:
            self.close()
            raise HostError(f"cannot {verb} {path}: {exc.strerror}") from None
        except BaseException:
            self.close()
            raise

    @property
    def fd(self) -> int:
        return self.stack[-1] if self.stack else self.root

    def where(self, name: str) -> str:
        return "/" + "/".join(self.shown + [name])

    def _walk(self, parts: list[str], follow_last: bool) -> str:
        hops = 0
        while parts:
            part = parts.pop(0)
            if part == ".":
                continue
            if part == "..":
                if self.stack:
                    os.close(self.stack.pop())
                    self.shown.pop()
                continue
            st = _lstat(self.fd, part)
            if st is None and not parts:
                return part
            if st is None:
                raise HostError(
                    f"cannot {self.verb} {self.path}: {self.where(part)} does not exist"
                )
            if stat.S_ISLNK(st.st_mode) and (parts or follow_last) and _trusted(self.fd, st):
                hops += 1
                if hops > MAX_SYMLINKS:
                    raise HostError(f"too many levels of symbolic links in {self.path}")
                target = os.readlink(part, dir_fd=self.fd)
                if target.startswith("/"):
                    while self.stack:
                        os.close(self.stack.pop())
                    self.shown = []
                parts[:0] = [p for p in target.split("/") if p]
                continue
            if not parts:
                return part
            if stat.S_ISLNK(st.st_mode):
                raise Refused(
                    f"{self.where(part)} is a symbolic link to "
                    f"{os.readlink(part, dir_fd=self.fd)} that "
                    f"someone else controls: not followed"
                )
            if not stat.S_ISDIR(st.st_mode):
                raise HostError(
                    f"cannot {self.verb} {self.path}: {self.where(part)} is {kind(st.st_mode)}"
                )
            try:
                self.stack.append(os.open(part, _DIR_FLAGS, dir_fd=self.fd))
            except OSError as exc:
                raise HostError(
                    f"cannot {self.verb} {self.path}: {self.where(part)}: {exc.strerror}"
                ) from None
            self.shown.append(part)
        raise HostError(f"cannot {self.verb} {self.path}: it names a directory")

    def refuse_link(self, st: os.stat_result, what: str) -> None:
        """Raise Refused when the last component is a symlink."""
        if stat.S_ISLNK(st.st_mode):
            target = os.readlink(self.name, dir_fd=self.fd)
            raise Refused(f"{self.path} is a symbolic link to {target}: not {what}")

    def close(self) -> None:
        for fd in self.stack + [self.root]:
            os.close(fd)
        self.stack = []


def _check(path: str, st: os.stat_result, what: str, owner: int | None, single_link: bool) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise Refused(f"{path} is {kind(st.st_mode)}: not {what}")
    if single_link and st.st_nlink != 1:
        raise Refused(f"{path} has {st.st_nlink} hard links: not {what}")
    if owner is not None and st.st_uid != owner:
        raise Refused(f"{path} belongs to uid {st.st_uid}, not {owner}: not {what}")


def read_file(
    root: str,
    path: str,
    *,
    owner: int | None = None,
    limit: int | None = None,
    follow: bool = False,
    single_link: bool = True,
) -> bytes:
    """The bytes of the regular file ``path`` under ``root``.

    ``owner``: the uid it must belong to; ``limit``: the most bytes it may hold;
    ``follow``: follow a trusted symlink as the last component (never an untrusted
    one); ``single_link``: refuse a file with more than one hard link.  A FIFO,
    device, directory or symlink is refused without reading (:class:`Refused`).
    """
    walk = _Walk(root, path, "read", follow)
    try:
        st = _lstat(walk.fd, walk.name)
        if st is None:
            raise HostError(f"cannot read {path}: No such file or directory")
        walk.refuse_link(st, "followed")
        _check(path, st, "read", owner, single_link)  # before open: no FIFO or device
        try:
            fd = os.open(walk.name, _READ_FLAGS, dir_fd=walk.fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise Refused(f"{path} is a symbolic link: not followed") from None
            raise HostError(f"cannot read {path}: {exc.strerror}") from None
    finally:
        walk.close()
    try:
        st = os.fstat(fd)
        _check(path, st, "read", owner, single_link)  # what was opened, not the name
        if limit is not None and st.st_size > limit:
            raise Refused(f"{path} is larger than {_size(limit)}: not read")
        chunks, left = [], (limit + 1 if limit is not None else -1)
        while left:
            chunk = os.read(fd, 1 << 16 if left < 0 else min(left, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            left = left - len(chunk) if left > 0 else left
        data = b"".join(chunks)
        if limit is not None and len(data) > limit:
            raise Refused(f"{path} is larger than {_size(limit)}: not read")
        return data
    except OSError as exc:
        raise HostError(f"cannot read {path}: {exc.strerror}") from None
    finally:
        os.close(fd)


def temp_name(name: str) -> str:
    """``.NAME.qw-tmp-PID-RANDOM``: the writer's pid, for the stale sweep."""
    return f".{name}{TEMP_MARK}{os.getpid()}-{os.urandom(8).hex()}"


def write_file(root: str, path: str, data: bytes, *, mode: int, uid: int, gid: int) -> None:
    """Replace ``path`` under ``root`` by ``data`` atomically, owned uid:gid with ``mode``.

    A destination that is a symlink, not a regular file, or has more than one link is
    refused (:class:`Refused`) and nothing is written.
    """
    walk = _Walk(root, path, "write", follow_last=False)
    try:
        _check_destination(walk, path)
        _replace(walk.fd, walk.name, path, data, mode, uid, gid)
        remove_stale_temps(walk.fd, walk.name)
        os.fsync(walk.fd)
    except OSError as exc:
        raise HostError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        walk.close()


def check_writable(root: str, path: str) -> None:
    """Raise what :func:`write_file` would for ``path``'s destination (a symlink, not a
    regular file, more than one link, a path that cannot be walked); write nothing."""
    walk = _Walk(root, path, "write", follow_last=False)
    try:
        _check_destination(walk, path)
    finally:
        walk.close()


def _check_destination(walk: _Walk, path: str) -> None:
    """Refuse an existing destination that is a link, not regular, or has 2+ links."""
    dest = _lstat(walk.fd, walk.name)
    if dest is not None:
        walk.refuse_link(dest, "written")
        _check(path, dest, "written", None, single_link=True)


def remove_file(root: str, path: str) -> bool:
    """Remove the entry ``path`` under ``root`` (a file, or a symlink itself: never its
    target); False when there was none.  A directory is refused."""
    walk = _Walk(root, path, "remove", follow_last=False)
    try:
        st = _lstat(walk.fd, walk.name)
        if st is None:
            return False
        if stat.S_ISDIR(st.st_mode):
            raise Refused(f"{path} is a directory: not removed")
        os.unlink(walk.name, dir_fd=walk.fd)
        return True
    except OSError as exc:
        raise HostError(f"cannot remove {path}: {exc.strerror}") from None
    finally:
        walk.close()


def _replace(dir_fd: int, name: str, path: str, data: bytes, mode: int, uid: int, gid: int) -> None:
    tmp = temp_name(name)
    fd = os.open(tmp, _TEMP_FLAGS, 0o600, dir_fd=dir_fd)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fchown(fd, uid, gid)
        os.fchmod(fd, mode)  # after fchown, which clears set-id bits
        os.fsync(fd)
        mine = os.fstat(fd)
        os.rename(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        now = _lstat(dir_fd, tmp)
        if now is not None and (now.st_ino, now.st_dev) == _ident(fd):
            os.unlink(tmp, dir_fd=dir_fd)
        raise
    finally:
        os.close(fd)
    placed = _lstat(dir_fd, name)
    if placed is None or (placed.st_ino, placed.st_dev) != (mine.st_ino, mine.st_dev):
        raise Refused(f"{path} was replaced by someone else while it was written")


def _ident(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return st.st_ino, st.st_dev


def _temp_pattern(name: str) -> re.Pattern:
    # the older form .NAME.qw-tmp-PID (no random part) is still recognised
    return re.compile(rf"\.{re.escape(name)}{re.escape(TEMP_MARK)}(\d+)(?:-[0-9a-f]{{16}})?")


def remove_stale_temps(dir_fd: int, name: str) -> None:
    """Remove the temp copies of ``name`` in the directory ``dir_fd`` whose writer is
    gone (a writer killed between its temp file and the rename leaves one).  Only
    regular files with one link whose names match are removed; nothing is followed."""
    pattern = _temp_pattern(name)
    try:
        entries = os.listdir(dir_fd)
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry)
        if not match or int(match.group(1)) == os.getpid() or _alive(int(match.group(1))):
            continue
        st = _lstat(dir_fd, entry)
        if st is None or not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
            continue
        try:
            os.unlink(entry, dir_fd=dir_fd)
        except OSError:
            pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # someone else's, or not a pid: leave it
    return True
