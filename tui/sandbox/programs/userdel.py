"""userdel(8): remove a user from /etc/master.passwd and its groups (-r: its home too)."""

from __future__ import annotations

import os
import shutil
import sys

from ..usergroup import AccountError, Accounts, command_line

USAGE = "usage: userdel -D [-p preserve-value]\nusage: userdel [-rSv] [-p preserve-value] user"


def main(argv: list[str]) -> int:
    parsed = command_line(argv, "rDp:vS", USAGE)
    if parsed is None:
        return 1
    opts, name = parsed
    if os.geteuid() != 0:
        print("userdel: Program must be run as root", file=sys.stderr)
        return 1
    try:
        with Accounts("/") as accounts:
            user = accounts.del_user(name)
    except AccountError as exc:
        print(f"userdel: {exc}", file=sys.stderr)
        return 1
    if "-r" in opts and os.path.isdir(user.home) and not os.path.islink(user.home):
        shutil.rmtree(user.home, ignore_errors=True)
    return 0
