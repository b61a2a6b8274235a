"""groupdel(8): remove a group from /etc/group."""

from __future__ import annotations

import os
import sys

from ..usergroup import AccountError, Accounts, command_line

USAGE = "usage: groupdel [-v] group"


def main(argv: list[str]) -> int:
    parsed = command_line(argv, "v", USAGE)
    if parsed is None:
        return 1
    name = parsed[1]
    try:
        with Accounts("/") as accounts:
            if accounts.group(name) is None or name.isdigit():
                raise AccountError(f"No such group `{name}'")
            if os.geteuid() != 0:
                print("groupdel: Program must be run as root", file=sys.stderr)
                return 1
            accounts.del_group(name)
    except AccountError as exc:
        print(f"groupdel: {exc}", file=sys.stderr)
        return 1
    return 0
