"""sockstat(1) of NetBSD: the sockets each process holds, from the sandbox's /proc.

Upstream usr.bin/sockstat/sockstat.c: getopt ``46cf:lnp:u``; a header, then one row
per (process, descriptor) holding an internet socket, in pid then fd order:
``USER COMMAND PID FD PROTO LOCAL-ADDRESS FOREIGN-ADDRESS`` with the address as
``ADDR.PORT`` (``*.PORT`` for the wildcard) and ``*.*`` as the foreign end of a
socket not connected.  Simulated: TCP only (no udp, raw or local sockets), ``-4``,
``-6``, ``-l``, ``-c`` and ``-n``; ports are always numeric.
"""

from __future__ import annotations

import os
import pwd
import sys

from ..netns import TCP_LISTEN, _address

HEADER = (
    f"{'USER':<8} {'COMMAND':<10} {'PID':<5} {'FD':<2} {'PROTO':<6} {'LOCAL ADDRESS':<21} "
    "FOREIGN ADDRESS"
)


def _sockets(tables: list[str]) -> dict[str, tuple[str, str, str, bool]]:
    """inode -> (proto, local, foreign, listening) from /proc/net/tcp{,6}."""
    found = {}
    for table in tables:
        proto = "tcp6" if table.endswith("6") else "tcp"
        try:
            with open(f"/proc/net/{table}") as fh:
                next(fh, None)
                rows = [line.split() for line in fh]
        except OSError:
            continue
        for fields in rows:
            if len(fields) <= 9:
                continue
            listening = fields[3] == TCP_LISTEN
            found[fields[9]] = (
                proto,
                _shown(*_address(fields[1])),
                "*.*" if listening else _shown(*_address(fields[2])),
                listening,
            )
    return found


def _shown(address: str, port: int) -> str:
    if address in ("0.0.0.0", "::"):
        return f"*.{port}" if port else "*.*"
    return f"{address}.{port}"


def _process(pid: int) -> tuple[str, str]:
    """(user, command) as sockstat prints them."""
    with open(f"/proc/{pid}/comm") as fh:
        command = fh.read().strip()
    uid = 0
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("Uid:"):
                uid = int(line.split()[2])  # effective
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    return user, command


def main(argv: list[str]) -> int:
    families, only = set(), set()
    for arg in argv[1:]:
        if not arg.startswith("-") or arg == "-":
            return 1
        for letter in arg[1:]:
            if letter in "46":
                families.add(letter)
            elif letter in "lc":
                only.add(letter)
            elif letter != "n":
                print(f"sockstat: unknown option -- {letter}", file=sys.stderr)
                return 1
    tables = [t for f, t in (("4", "tcp"), ("6", "tcp6")) if not families or f in families]
    sockets = _sockets(tables)
    rows = []
    pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    for pid in pids:
        try:
            fds = sorted(int(fd) for fd in os.listdir(f"/proc/{pid}/fd"))
            user, command = _process(pid)
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            inode = target[8:-1] if target.startswith("socket:[") else ""
            if inode not in sockets:
                continue
            proto, local, foreign, listening = sockets[inode]
            if only and ("l" if listening else "c") not in only:
                continue
            rows.append(
                f"{user:<8} {command[:10]:<10} {pid:<5} {fd:2} {proto:<6} {local:<21} {foreign}"
            )
    if rows:
        print(HEADER)
        print("\n".join(rows))
    return 0
