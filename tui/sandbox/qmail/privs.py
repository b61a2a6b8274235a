"""Dropping privileges, and emulating qmail-queue's setuid bit.

The simulated programs are scripts, so a setuid bit on them does nothing.  A
process that drops root here keeps CAP_SETUID/CAP_SETGID as *ambient*
capabilities (inherited across exec), which lets the "setuid" program
qmail-queue later switch to its owner with :func:`become`, exactly as the
kernel would on exec of a 04711 binary.  Everything else runs with the real
uid/gid it was given.
"""

from __future__ import annotations

import ctypes
import os

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_KEEPCAPS = 8
_PR_CAP_AMBIENT = 47
_PR_CAP_AMBIENT_RAISE = 2
_CAP_SETGID = 6
_CAP_SETUID = 7
_CAP_VERSION_3 = 0x20080522


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _keep_setuid_caps() -> None:
    mask = (1 << _CAP_SETGID) | (1 << _CAP_SETUID)
    header = _Header(_CAP_VERSION_3, 0)
    data = (_Data * 2)()
    data[0].effective = data[0].permitted = data[0].inheritable = mask
    if _libc.capset(ctypes.byref(header), data) != 0:
        return
    for cap in (_CAP_SETGID, _CAP_SETUID):
        _libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_RAISE, cap, 0, 0)


def drop(uid: int, gid: int) -> None:
    """prot_gid + prot_uid: become ``uid``/``gid`` (groups = [gid]); raises OSError."""
    if gid:
        os.setgroups([gid])
        os.setgid(gid)
    if not uid:
        return
    caps = os.geteuid() == 0
    if caps:
        _libc.prctl(_PR_SET_KEEPCAPS, 1, 0, 0, 0)
    os.setuid(uid)
    if caps:
        _keep_setuid_caps()
        _libc.prctl(_PR_SET_KEEPCAPS, 0, 0, 0, 0)


def become(uid: int, gid: int) -> bool:
    """Run on as ``uid``/``gid`` like a setuid/setgid program would; False if impossible."""
    if os.geteuid() == uid and os.getegid() == gid:
        return True
    try:
        os.setgroups([gid])
    except OSError:
        pass
    return _set_ids(uid, gid)


def setuid_bits(path: str) -> bool:
    """Take on the owner (and group) of ``path`` if its setuid (setgid) bit is set, as
    the kernel does on exec of such a binary; False if the bits are set but cannot be
    honoured (no CAP_SETUID left)."""
    try:
        st = os.stat(path)
    except OSError:
        return True
    uid = st.st_uid if st.st_mode & 0o4000 else os.geteuid()
    gid = st.st_gid if st.st_mode & 0o2000 else os.getegid()
    return (uid, gid) == (os.geteuid(), os.getegid()) or _set_ids(uid, gid)


def _set_ids(uid: int, gid: int) -> bool:
    """Real, effective and saved ids to ``uid``/``gid``; False if not permitted."""
    try:
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    except OSError:
        return False
    return True
