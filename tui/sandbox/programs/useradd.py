"""useradd(8), NetBSD's user(8) front end: add a user to /etc/master.passwd (facts §6.4)."""

from __future__ import annotations

import os
import sys

from .. import getopt3 as getopt
from ..usergroup import AccountError, Accounts

USAGE = (
    "usage: useradd -D [-F] [-b base-dir] [-e expiry-time] [-f inactive-time]\n"
    "\t[-g gid | name | =uid] [-k skel-dir] [-L login-class]\n"
    "\t[-r lowuid..highuid] [-s shell]\n"
    "usage: useradd [-moSv] [-b base-dir] [-c comment] [-d home-dir] [-e expiry-time]\n"
    "\t[-f inactive-time] [-G secondary-group] [-g gid | name | =uid]\n"
    "\t[-k skeletondir] [-L login-class] [-p password][-r lowuid..highuid]\n"
    "\t[-s shell] [-u uid] user"
)


def fail(message: str, program: str = "useradd") -> int:
    print(f"{program}: {message}", file=sys.stderr)
    return 1


def main(argv: list[str]) -> int:
    try:
        opts, args = getopt.getopt(argv[1:], "DFG:b:c:d:e:f:g:k:mou:s:p:r:vL:S")
    except getopt.GetoptError:
        print(USAGE, file=sys.stderr)
        return 1
    values = dict(opts)
    if "-D" in values:
        print(
            "group\t\tusers\nbase_dir\t/home\nskel_dir\t/etc/skel\nshell\t\t/bin/sh\n"
            "class\t\t\ninactive\t0\nexpire\t\tNULL\nrange\t\t1000..60000"
        )
        return 0
    if len(args) != 1:
        print(USAGE, file=sys.stderr)
        return 1
    if os.geteuid() != 0:
        return fail("Program must be run as root")
    name = args[0]
    home = values.get("-d") or f"{values.get('-b', '/home')}/{name}"
    uid = values.get("-u")
    if uid is not None and not uid.isdigit():
        return fail(f"Bad uid `{uid}'")
    secondary = tuple(g for o, v in opts if o == "-G" for g in v.split(",") if g)
    try:
        with Accounts("/") as accounts:
            user = accounts.add_user(
                name,
                group=values.get("-g", "users"),
                uid=int(uid) if uid else None,
                gecos=values.get("-c", ""),
                home=home,
                shell=values.get("-s", "/bin/sh"),
                secondary=secondary,
                dup_ok="-o" in values,
            )
            if "-m" in values:
                if os.path.lexists(home):
                    raise AccountError(
                        f"Can't add user `{name}': home directory `{home}' already exists"
                    )
                os.makedirs(home)
                skel = values.get("-k", "/etc/skel")
                if os.path.isdir(skel):
                    from shutil import copy2  # only with -m: its import costs ~3 ms

                    for entry in os.listdir(skel):
                        copy2(os.path.join(skel, entry), os.path.join(home, entry))
                        os.chown(os.path.join(home, entry), user.uid, user.gid)
                os.chown(home, user.uid, user.gid)
    except AccountError as exc:
        return fail(str(exc))
    if "-m" not in values and not os.path.lexists(home):
        fail(f"Warning: home directory `{home}' doesn't exist, and -m was not specified")
    return 0
