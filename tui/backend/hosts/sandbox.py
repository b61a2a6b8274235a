"""SandboxHost: a simulated NetBSD host (``qmail-wizard sandbox``) seen from the machine.

Commands run inside the sandbox's container; file paths are the host's NetBSD paths,
resolved (symlinks included) inside the sandbox root and never outside it; processes
and listeners are the sandbox's own, numbered as the sandbox numbers them.
"""

from __future__ import annotations

import os
from pathlib import Path

from ...sandbox import api as sandbox
from . import procfs, safefile
from .base import (
    USER_FILE_LIMIT,
    HostError,
    Listener,
    as_bytes,
    check_argv,
    owner_ids,
    parse_group,
    parse_passwd,
)
from .machine import MachineHost

MAX_SYMLINKS = 40


class SandboxHost(MachineHost):
    name = "sandbox"

    def __init__(self, path: str | Path):
        self.base = sandbox.require(path)
        self.root = sandbox.root(self.base)

    # -- commands ----------------------------------------------------------------
    def _command(self, argv, env, cwd):
        inside = list(check_argv(argv))
        return sandbox.enter_argv(self.base, inside, env=env, cwd=cwd or "/root"), None, None

    def _stderr(self, argv, rc, stderr):
        if rc == 127 and "env: " in stderr and "No such file" in stderr:
            return f"{argv[0]}: not found\n"
        return stderr

    # -- files -------------------------------------------------------------------
    def resolve(self, path: str, follow_last: bool = True) -> Path:
        """Machine path of a NetBSD path, following symlinks inside the sandbox root
        (for stat and listing; read and write walk by descriptors instead)."""
        if not path.startswith("/"):
            raise HostError(f"host paths are absolute: {path!r}")
        root = str(self.root)  # os.path, not pathlib: the Dashboard resolves
        parts = [p for p in path.split("/") if p]  # ~30 paths a second
        resolved: list[str] = []
        hops = 0
        while parts:
            part = parts.pop(0)
            if part == ".":
                continue
            if part == "..":
                if resolved:
                    resolved.pop()
                continue
            candidate = os.path.join(root, *resolved, part)
            if (parts or follow_last) and os.path.islink(candidate):
                hops += 1
                if hops > MAX_SYMLINKS:
                    raise HostError(f"too many levels of symbolic links in {path}")
                target = os.readlink(candidate)
                if target.startswith("/"):
                    resolved = []
                parts = [p for p in target.split("/") if p] + parts
                continue
            resolved.append(part)
        return Path(os.path.join(root, *resolved))

    def _real(self, path: str) -> str:
        return str(self.resolve(path))

    def _owner_names(self, uid, gid):
        passwd, group = self._ids()
        return passwd.get(uid, ""), group.get(gid, "")

    def _ids(self) -> tuple[dict, dict]:
        return (
            parse_passwd(self.read_text("/etc/passwd")),
            parse_group(self.read_text("/etc/group")),
        )

    def read(self, path: str) -> bytes:
        """Walked inside the sandbox root by descriptors (see safefile): a symlink
        planted inside cannot lead outside, even by a race."""
        return safefile.read_file(str(self.root), path, follow=True, single_link=False)

    def read_user_file(self, path, owner=None, limit=USER_FILE_LIMIT) -> bytes:
        uid = None
        if owner is not None:
            uids = {name: uid for uid, name in self._ids()[0].items()}
            if owner not in uids:
                raise HostError(f"cannot read {path}: no such user {owner!r}")
            uid = uids[owner]
        return safefile.read_file(str(self.root), path, owner=uid, limit=limit)

    def write(self, path, data, mode=0o644, owner=None) -> None:
        """Written by safefile.write_file inside the sandbox root: never outside it."""
        passwd, group = self._ids()
        uid, gid = owner_ids(passwd, group, owner)
        safefile.write_file(str(self.root), path, as_bytes(data), mode=mode, uid=uid, gid=gid)

    def check_writable(self, path) -> None:
        safefile.check_writable(str(self.root), path)

    def remove(self, path) -> bool:
        return safefile.remove_file(str(self.root), path)

    # -- processes -------------------------------------------------------------------
    def _ns_pid(self, machine_pid: int) -> int:
        """The pid the sandbox itself gives a process (innermost of NSpid)."""
        try:
            with open(f"/proc/{machine_pid}/status") as fh:
                for line in fh:
                    if line.startswith("NSpid:"):
                        return int(line.split()[-1])
        except OSError:
            pass
        return machine_pid

    def processes(self):
        passwd = parse_passwd(self.read_text("/etc/passwd"))
        return procfs.snapshot(
            sandbox.machine_pids(self.base), lambda uid: passwd.get(uid, str(uid)), self._ns_pid
        )

    def still_running(self, procs):
        return procfs.running(procs)

    # -- network -------------------------------------------------------------------
    def connect(self, address, port, timeout=10.0, source=None):
        """A socket made inside the sandbox's network namespace, connected there
        (OSError when it cannot be, as for a plain connect)."""
        return sandbox.connect(self.base, address, port, timeout, source)

    def listeners(self):
        """The sandbox namespace's own /proc/net/tcp{,6} (psutil reads the caller's
        namespace), sockets mapped to the sandbox's processes through their fds."""
        return [
            Listener(address=address, port=port, pid=self._ns_pid(holder) if holder else None)
            for address, port, holder in sandbox.listeners(self.base)
        ]
