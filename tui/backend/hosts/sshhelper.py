"""The file half of SshHost, run on the remote host by its own Python 3.

SshHost sends this module's source, after safefile's, to ``python3 -c`` over ssh
(:func:`program`): the remote walks, opens, ``fchown``s and renames with the same
``O_NOFOLLOW``/``O_EXCL`` code as a local run, so safefile's guarantees hold on the
remote side.  One request per run: a JSON line on stdin; one JSON reply on stdout,
``{"ok": value}`` or ``{"error": "Refused"|"HostError", "message": ...}``; bytes travel
as base64.  Only the standard library is used (NetBSD's pkgsrc python needs nothing).
"""

from __future__ import annotations

import base64
import functools
import grp
import json
import os
import pwd
import socket
import sys
import threading
from pathlib import Path

from .base import HostError
from .safefile import Refused, check_writable, read_file, remove_file, write_file

ROOT = "/"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _uid(name: str, path: str) -> int:
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        raise HostError(f"cannot read {path}: no such user {name!r}") from None


def _ids(owner) -> tuple[int, int]:
    if owner is None:
        return 0, 0
    user, group = owner
    if isinstance(user, int) and isinstance(group, int):
        return user, group
    try:
        uid = pwd.getpwnam(user).pw_uid
    except KeyError:
        raise HostError(f"user {user!r} does not exist on the host") from None
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        raise HostError(f"group {group!r} does not exist on the host") from None
    return uid, gid


def _name(lookup, ident: int) -> str:
    try:
        return lookup(ident)[0]
    except KeyError:
        return ""


def _os(verb: str, path: str, call):
    try:
        return call()
    except OSError as exc:
        raise HostError(f"cannot {verb} {path}: {exc.strerror}") from None


def op_read(path, follow=True, single_link=False, owner=None, limit=None):
    uid = None if owner is None else _uid(owner, path)
    data = read_file(ROOT, path, follow=follow, single_link=single_link, owner=uid, limit=limit)
    return _b64(data)


def op_write(path, data, mode, owner=None):
    uid, gid = _ids(owner)
    write_file(ROOT, path, base64.b64decode(data), mode=mode, uid=uid, gid=gid)


def op_check_writable(path):
    check_writable(ROOT, path)


def op_remove(path):
    return remove_file(ROOT, path)


def op_exists(path):
    return os.path.exists(path)


def op_listdir(path):
    return sorted(_os("list", path, lambda: os.listdir(path)))


def op_stat(path):
    st = _os("stat", path, lambda: os.stat(path))
    return [
        st.st_mode,
        st.st_uid,
        st.st_gid,
        st.st_size,
        st.st_mtime,
        _name(pwd.getpwuid, st.st_uid),
        _name(grp.getgrgid, st.st_gid),
    ]


def op_read_from(path, offset, limit):
    def span():
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            fh.seek(min(offset, size))
            return _b64(fh.read(limit)), size

    return list(_os("read", path, span))


def op_mtimes(path):
    def scan():
        with os.scandir(path) as entries:
            return {e.name: e.stat(follow_symlinks=False).st_mtime for e in entries}

    return _os("list", path, scan)


def relay(address: str, port: int, source: str | None, timeout: float) -> None:
    """Connect from ``source`` and copy stdin/stdout to and from the socket."""
    sock = socket.create_connection(
        (address, port), timeout=timeout, source_address=(source, 0) if source else None
    )
    sock.settimeout(None)
    sys.stdout.write(json.dumps({"ok": None}) + "\n")
    sys.stdout.flush()

    def upstream() -> None:
        while chunk := os.read(0, 65536):
            sock.sendall(chunk)
        sock.shutdown(socket.SHUT_WR)

    threading.Thread(target=upstream, daemon=True).start()
    while chunk := sock.recv(65536):
        os.write(1, chunk)


OPS = {name[3:]: value for name, value in dict(globals()).items() if name.startswith("op_")}


def serve() -> None:
    request = json.loads(sys.stdin.buffer.readline())
    op = request.pop("op")
    try:
        if op == "relay":
            relay(**request)
            return
        reply = {"ok": OPS[op](**request)}
    except Refused as exc:
        reply = {"error": "Refused", "message": str(exc)}
    except HostError as exc:
        reply = {"error": "HostError", "message": str(exc)}
    except OSError as exc:
        reply = {"error": "HostError", "message": f"{op} failed: {exc}"}
    sys.stdout.write(json.dumps(reply))


PRELUDE = """\
class HostError(Exception):
    pass


USER_FILE_LIMIT = 64 * 1024
"""


SKIPPED = ("from .", "from __future__")


@functools.cache
def program() -> str:
    """The Python program SshHost runs remotely: safefile, this module, ``serve()``."""
    here = Path(__file__).parent
    parts = [PRELUDE]
    for name in ("safefile.py", "sshhelper.py"):
        text = (here / name).read_text()
        parts.append("\n".join(line for line in text.splitlines() if not line.startswith(SKIPPED)))
    parts.append("serve()\n")
    return "\n".join(parts)
