"""Accounts of the simulated host: /etc/passwd, /etc/master.passwd and /etc/group.

Used by the useradd/groupadd/userdel/groupdel programs (``root="/"``) and by code
on the machine side (``root`` = the sandbox tree).  IDs are allocated as NetBSD's
user(8) does: the first free id from 1000 (``range 1000..60000``), skipping nobody.
"""

from __future__ import annotations

import fcntl
import os
import re
import sys
from pathlib import Path

from . import getopt3 as getopt
from .flavors import UNVERIFIED

TYPE_CHECKING = False  # neither typing nor dataclasses: useradd and groupadd run at
if TYPE_CHECKING:  # every install, and the two imports cost each start ~20 ms of CPU
    from typing import TextIO

LOW_ID, HIGH_ID, NOBODY_UID = 1000, 60000, 32767


class AccountError(Exception):
    """A refused change; the message is the tool's text without the program prefix."""


class User:
    """One account: its passwd fields and master.passwd's extra ones."""

    def __init__(
        self,
        name: str,
        uid: int,
        gid: int,
        gecos: str,
        home: str,
        shell: str,
        password: str = "*",
        klass: str = "",
        change: str = "0",
        expire: str = "0",
    ) -> None:
        self.name, self.uid, self.gid, self.gecos = name, uid, gid, gecos
        self.home, self.shell, self.password = home, shell, password
        self.klass, self.change, self.expire = klass, change, expire

    def passwd_line(self) -> str:
        return f"{self.name}:*:{self.uid}:{self.gid}:{self.gecos}:{self.home}:{self.shell}\n"

    def master_line(self) -> str:
        return (
            f"{self.name}:{self.password}:{self.uid}:{self.gid}:{self.klass}:"
            f"{self.change}:{self.expire}:{self.gecos}:{self.home}:{self.shell}\n"
        )


class Group:
    """One group: name, gid and member logins."""

    def __init__(self, name: str, gid: int, members: list[str]) -> None:
        self.name, self.gid, self.members = name, gid, members

    def line(self) -> str:
        return f"{self.name}:*:{self.gid}:{','.join(self.members)}\n"


def valid_name(name: str) -> bool:
    """NetBSD login/group name rule (facts §6.4)."""
    return bool(re.match(UNVERIFIED["name_rule"], name))


def command_line(argv: list[str], shortopts: str, usage: str) -> tuple[dict[str, str], str] | None:
    """Options and the single operand of a user(8) tool; None (usage printed) otherwise."""
    try:
        opts, args = getopt.getopt(argv[1:], shortopts)
    except getopt.GetoptError:
        args = []
    if len(args) != 1:
        print(usage, file=sys.stderr)
        return None
    return dict(opts), args[0]


class Accounts:
    """The account files under ``root``; use as a context manager to lock and save."""

    def __init__(self, root: str | Path = "/"):
        self.root = Path(root)
        self._lock: TextIO | None = None
        self.load()

    def _path(self, name: str) -> Path:
        return self.root / "etc" / name

    def load(self) -> None:
        self.users: list[User] = []
        master = self._path("master.passwd")
        source = master if master.exists() else self._path("passwd")
        for line in source.read_text().splitlines():
            f = line.split(":")
            if len(f) == 10:
                self.users.append(
                    User(f[0], int(f[2]), int(f[3]), f[7], f[8], f[9], f[1], f[4], f[5], f[6])
                )
            elif len(f) == 7:
                self.users.append(User(f[0], int(f[2]), int(f[3]), f[4], f[5], f[6]))
        self.groups: list[Group] = []
        for line in self._path("group").read_text().splitlines():
            f = line.split(":")
            if len(f) == 4:
                self.groups.append(Group(f[0], int(f[2]), [m for m in f[3].split(",") if m]))

    def __enter__(self) -> Accounts:
        self._lock = lock = open(self._path("master.passwd"), "a")
        fcntl.flock(lock, fcntl.LOCK_EX)
        self.load()
        return self

    def __exit__(self, exc_type, *rest) -> None:
        try:
            if exc_type is None:
                self.save()
        finally:
            if self._lock is not None:
                self._lock.close()

    def save(self) -> None:
        for name, text, mode in (
            ("master.passwd", "".join(u.master_line() for u in self.users), 0o600),
            ("passwd", "".join(u.passwd_line() for u in self.users), 0o644),
            ("group", "".join(g.line() for g in self.groups), 0o644),
        ):
            path = self._path(name)
            tmp = path.with_name(f".{name}.tmp")
            tmp.write_text(text)
            tmp.chmod(mode)
            os.replace(tmp, path)

    # --- lookups ---------------------------------------------------------------
    def user(self, name: str) -> User | None:
        return next((u for u in self.users if u.name == name), None)

    def group(self, name: str) -> Group | None:
        found = next((g for g in self.groups if g.name == name), None)
        if found is None and name.isdigit():
            found = next((g for g in self.groups if g.gid == int(name)), None)
        return found

    def _next_id(self, used: set[int]) -> int:
        for candidate in range(LOW_ID, HIGH_ID + 1):
            if candidate not in used and candidate != NOBODY_UID:
                return candidate
        raise AccountError("can't get next id")

    # --- changes ---------------------------------------------------------------
    def add_group(self, name: str, gid: int | None = None, dup_ok: bool = False) -> Group:
        if self.group(name) and not name.isdigit():
            raise AccountError(f"Can't add group: group `{name}' already exists")
        used = {g.gid for g in self.groups}
        if gid is None:
            gid = self._next_id(used)
        elif gid in used and not dup_ok:
            raise AccountError(f"Can't add group: gid {gid} is a duplicate")
        group = Group(name, gid, [])
        self.groups.append(group)
        return group

    def add_user(
        self,
        name: str,
        group: str = "users",
        uid: int | None = None,
        gecos: str = "",
        home: str | None = None,
        shell: str = "/bin/sh",
        secondary: tuple[str, ...] = (),
        dup_ok: bool = False,
    ) -> User:
        if not valid_name(name):
            raise AccountError(UNVERIFIED["useradd_invalid"].format(name=name))
        if uid is None:
            uid = self._next_id({u.uid for u in self.users})
        elif not dup_ok and any(u.uid == uid for u in self.users):
            raise AccountError(f"Can't add user `{name}': uid {uid} is already in use")
        primary = self.group(group)
        if primary is None:
            raise AccountError(f"Can't add user `{name}': group {group} not found")
        if not dup_ok and self.user(name):
            raise AccountError(f"Can't add user `{name}': `{name}' is already a user")
        for extra in secondary:
            if self.group(extra) is None:
                raise AccountError(f"Can't add user `{name}': can't append to new groups")
        user = User(name, uid, primary.gid, gecos, home or f"/home/{name}", shell)
        self.users.append(user)
        for extra in secondary:
            joined = self.group(extra)
            assert joined is not None  # checked above
            members = joined.members
            if name not in members:
                members.append(name)
        return user

    def del_user(self, name: str) -> User:
        user = self.user(name)
        if user is None:
            raise AccountError(f"No such user `{name}'")
        self.users.remove(user)
        for group in self.groups:
            if name in group.members:
                group.members.remove(name)
        return user

    def del_group(self, name: str) -> None:
        group = next((g for g in self.groups if g.name == name), None)
        if group is None:
            raise AccountError(f"No such group `{name}'")
        self.groups.remove(group)
