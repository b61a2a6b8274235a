"""groupdel(8): remove a group from /etc/group."""
from __future__ import annotations

import getopt
import os
import sys

from ..usergroup import AccountError, Accounts

USAGE = "usage: groupdel [-v] group"


def main(argv: list[str]) -> int:
    try:
        _, args = getopt.getopt(argv[1:], "v")
    except getopt.GetoptError:
        print(USAGE, file=sys.stderr)
        return 1
    if len(args) != 1:
        print(USAGE, file=sys.stderr)
        return 1
    try:
        with Accounts("/") as accounts:
            if accounts.group(args[0]) is None or args[0].isdigit():
                raise AccountError(f"No such group `{args[0]}'")
            if os.geteuid() != 0:
                print("groupdel: Program must be run as root", file=sys.stderr)
                return 1
            accounts.del_group(args[0])
    except AccountError as exc:
        print(f"groupdel: {exc}", file=sys.stderr)
        return 1
    return 0
