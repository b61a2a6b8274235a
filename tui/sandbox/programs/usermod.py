"""usermod(8), NetBSD's user(8) front end: only ``-p password`` (an already encrypted
password, written to /etc/master.passwd as given) is simulated."""

from __future__ import annotations

import os
import sys

from .. import getopt3 as getopt
from ..usergroup import AccountError, Accounts

USAGE = (
    "usage: usermod [-FmoSv] [-C yes/no] [-c comment] [-d home-dir] [-e expiry-time]\n"
    "\t[-f inactive-time] [-G secondary-group] [-g gid | name | =uid]\n"
    "\t[-L login-class] [-l new-login] [-p password] [-s shell] [-u uid] user"
)


def main(argv: list[str]) -> int:
    try:
        opts, args = getopt.getopt(argv[1:], "C:FG:L:S:c:d:e:f:g:l:mop:s:u:v")
    except getopt.GetoptError:
        print(USAGE, file=sys.stderr)
        return 1
    values = dict(opts)
    if len(args) != 1:
        print(USAGE, file=sys.stderr)
        return 1
    if set(values) - {"-p"}:
        print("usermod: only -p is simulated", file=sys.stderr)
        return 1
    if os.geteuid() != 0:
        print("usermod: Program must be run as root", file=sys.stderr)
        return 1
    name = args[0]
    try:
        with Accounts("/") as accounts:
            user = accounts.user(name)
            if user is None:
                raise AccountError(f"Can't modify user `{name}': no such user")
            if "-p" in values:
                user.password = values["-p"]
    except AccountError as exc:
        print(f"usermod: {exc}", file=sys.stderr)
        return 1
    return 0
