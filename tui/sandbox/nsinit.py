"""PID 1 of a sandbox started with util-linux's ``unshare`` (no bubblewrap needed).

Run by :mod:`tui.sandbox.container` as ``unshare --mount --pid --fork ... python -I -S
nsinit.py SPEC_FILE`` (standard library only, so it starts before any package is importable):
in the fresh namespaces it brings ``lo`` up, sets the hostname, mounts the sandbox's
view (its root at /, the machine's directories read-only, /proc, /dev) and pivots into
it, then starts ``/sbin/init`` and reaps orphans until init ends, as bwrap's PID 1 does.
SPEC_FILE is JSON: ``{"root", "hostname", "mounts": [[kind, ...], ...], "env", "init"}``.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import platform
import socket
import struct
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC = 32, 4096, 16384
MNT_DETACH = 2
#: statvfs flags kept when a bind is remounted read-only (same bits as MS_*)
_KEPT = MS_NOSUID | MS_NODEV | MS_NOEXEC
#: pivot_root(2) has no libc wrapper: its syscall number per machine
SYS_PIVOT_ROOT = {
    "x86_64": 155,
    "aarch64": 41,
    "riscv64": 41,
    "loongarch64": 41,
    "i686": 217,
    "i386": 217,
    "armv7l": 218,
    "ppc64le": 203,
    "s390x": 217,
}
#: device nodes bound from the machine into the sandbox's /dev, as bwrap --dev does
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
DEV_LINKS = {
    "stdin": "/proc/self/fd/0",
    "stdout": "/proc/self/fd/1",
    "stderr": "/proc/self/fd/2",
    "fd": "/proc/self/fd",
    "core": "/proc/kcore",
    "ptmx": "pts/ptmx",
}
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    _check(
        _libc.mount(
            source and source.encode(),
            target.encode(),
            fstype and fstype.encode(),
            ctypes.c_ulong(flags),
            data.encode() or None,
        ),
        f"mount {source} on {target}",
    )


def _mountpoint(target: str, like: str | None = None) -> None:
    """Create ``target`` as a directory (or an empty file when ``like`` is not a dir)."""
    if like is not None and not os.path.isdir(like):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.lexists(target):
            open(target, "a").close()
    else:
        os.makedirs(target, exist_ok=True)


def bind(source: str, target: str, readonly: bool) -> None:
    _mountpoint(target, source)
    mount(source, target, None, MS_BIND | MS_REC)
    if readonly:
        kept = os.statvfs(target).f_flag & _KEPT
        mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | kept)


def overlay(upper: str, lower: str, target: str) -> None:
    """``lower`` read-only with ``upper``'s files laid over it (and added to it)."""
    for path in (upper, lower):
        if ":" in path or "," in path:
            raise OSError(f"cannot overlay {path}: its name has ':' or ','")
    _mountpoint(target)
    mount("overlay", target, "overlay", MS_RDONLY, f"lowerdir={upper}:{lower}")


def dev(target: str) -> None:
    """A minimal /dev: a tmpfs with the usual nodes, its own devpts and /dev/shm."""
    _mountpoint(target)
    mount("tmpfs", target, "tmpfs", MS_NOSUID, "mode=0755")
    for name in DEVICES:
        bind(f"/dev/{name}", f"{target}/{name}", readonly=False)
    os.mkdir(f"{target}/shm")
    os.mkdir(f"{target}/pts")
    mount(
        "devpts",
        f"{target}/pts",
        "devpts",
        MS_NOSUID | MS_NOEXEC,
        "newinstance,ptmxmode=0666,mode=620",
    )
    for name, link in DEV_LINKS.items():
        os.symlink(link, f"{target}/{name}")


def pivot_into(root: str) -> None:
    """Make ``root`` the root of this mount namespace; the machine's tree is detached."""
    number = SYS_PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise OSError(f"pivot_root: unknown syscall number on {platform.machine()}")
    os.chdir(root)
    _check(_libc.syscall(number, b".", b"."), "pivot_root")
    _check(_libc.umount2(b".", MNT_DETACH), "umount the machine's root")
    os.chdir("/")


def loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


def setup(spec: dict) -> None:
    root = spec["root"]
    loopback_up()
    socket.sethostname(spec["hostname"])
    mount(root, root, None, MS_BIND | MS_REC)
    for kind, *args in spec["mounts"]:
        target = root + args[-1]
        if kind in ("bind", "ro-bind"):
            bind(args[0], target, readonly=kind == "ro-bind")
        elif kind == "overlay":
            overlay(args[0], args[1], target)
        elif kind == "proc":
            _mountpoint(target)
            mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        elif kind == "dev":
            dev(target)
        else:
            raise ValueError(f"unknown mount kind {kind!r}")
    pivot_into(root)


def main(argv: list[str]) -> int:
    try:
        with open(argv[1]) as fh:
            spec = json.load(fh)
        setup(spec)
    except OSError as exc:
        print(f"nsinit: {exc}", file=sys.stderr)
        return 1
    child = os.fork()
    if child == 0:
        try:
            os.execve(spec["init"][0], spec["init"], spec["env"])
        finally:
            os._exit(127)
    while True:
        pid, status = os.wait()
        if pid == child:
            return os.waitstatus_to_exitcode(status) & 0xFF


if __name__ == "__main__":
    sys.exit(main(sys.argv))
