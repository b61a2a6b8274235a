"""groupadd(8): add a group to /etc/group (NetBSD user(8) rules and messages)."""

from __future__ import annotations

import os
import sys

from ..usergroup import AccountError, Accounts, command_line, valid_name

USAGE = "usage: groupadd [-ov] [-g gid] [-r lowgid..highgid] group"


def main(argv: list[str]) -> int:
    parsed = command_line(argv, "g:or:v", USAGE)
    if parsed is None:
        return 1
    values, name = parsed
    if os.geteuid() != 0:
        print("groupadd: Program must be run as root", file=sys.stderr)
        return 1
    gid = values.get("-g")
    if gid is not None and not gid.isdigit():
        print(f"groupadd: Bad gid `{gid}'", file=sys.stderr)
        return 1
    if not valid_name(name):
        print(f"groupadd: Invalid group name `{name}'", file=sys.stderr)
    try:
        with Accounts("/") as accounts:
            accounts.add_group(name, int(gid) if gid else None, dup_ok="-o" in values)
    except AccountError as exc:
        print(f"groupadd: {exc}", file=sys.stderr)
        return 1
    return 0
