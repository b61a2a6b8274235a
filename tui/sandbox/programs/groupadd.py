"""groupadd(8): add a group to /etc/group (NetBSD user(8) rules and messages)."""
from __future__ import annotations

import getopt
import os
import sys

from ..usergroup import AccountError, Accounts, valid_name

USAGE = "usage: groupadd [-ov] [-g gid] [-r lowgid..highgid] group"


def main(argv: list[str]) -> int:
    try:
        opts, args = getopt.getopt(argv[1:], "g:or:v")
    except getopt.GetoptError:
        print(USAGE, file=sys.stderr)
        return 1
    values = dict(opts)
    if len(args) != 1:
        print(USAGE, file=sys.stderr)
        return 1
    if os.geteuid() != 0:
        print("groupadd: Program must be run as root", file=sys.stderr)
        return 1
    gid = values.get("-g")
    if gid is not None and not gid.isdigit():
        print(f"groupadd: Bad gid `{gid}'", file=sys.stderr)
        return 1
    if not valid_name(args[0]):
        print(f"groupadd: Invalid group name `{args[0]}'", file=sys.stderr)
    try:
        with Accounts("/") as accounts:
            accounts.add_group(args[0], int(gid) if gid else None, dup_ok="-o" in values)
    except AccountError as exc:
        print(f"groupadd: {exc}", file=sys.stderr)
        return 1
    return 0
