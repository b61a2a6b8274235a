"""queue-fix [-i | -N] [-v] queue_dir: create or repair a qmail queue (layout, owners, modes).

The account names are qmail's build-time ones: read from the installed (or being
installed) qmail's +BUILD_INFO, else the defaults (facts §3.1, §5.4).
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import sys

from .. import getopt3 as getopt
from ..flavors import ACCOUNT_DEFAULTS, UNVERIFIED
from ..pkgdb import PkgDB
from ..pkgfmt import parse_build_info

SPLIT = 23
USAGE = "queue-fix: usage: queue-fix [-i | -N] [-v] queue_dir"


def account_names() -> dict:
    names = dict(ACCOUNT_DEFAULTS)
    db = PkgDB.inside()
    for pkgname in db.find("qmail"):
        names.update(
            {
                k: v
                for k, v in parse_build_info(db.read(pkgname, "+BUILD_INFO") or "").items()
                if k in ACCOUNT_DEFAULTS
            }
        )
    return names


def layout(names: dict) -> list[tuple[str, str, str, int, str]]:
    """(relative path, kind d/f/p, owner var, mode, initial content)."""
    qq, qs, qr = "QMAIL_QUEUE_USER", "QMAIL_SEND_USER", "QMAIL_REMOTE_USER"
    entries = [
        ("", "d", qq, 0o750, ""),
        ("pid", "d", qq, 0o700, ""),
        ("intd", "d", qq, 0o700, ""),
        ("todo", "d", qq, 0o750, ""),
        ("bounce", "d", qs, 0o700, ""),
        ("mess", "d", qq, 0o750, ""),
        ("info", "d", qs, 0o700, ""),
        ("local", "d", qs, 0o700, ""),
        ("remote", "d", qs, 0o700, ""),
        ("lock", "d", qq, 0o750, ""),
    ]
    for top, owner, mode in (
        ("mess", qq, 0o750),
        ("info", qs, 0o700),
        ("local", qs, 0o700),
        ("remote", qs, 0o700),
    ):
        entries += [(f"{top}/{i}", "d", owner, mode, "") for i in range(SPLIT)]
    entries += [
        ("lock/tcpto", "f", qr, 0o644, "\0" * 1024),
        ("lock/sendmutex", "f", qs, 0o600, ""),
        ("lock/trigger", "p", qs, 0o622, ""),
    ]
    return entries


def fix(queue: str, names: dict, test_only: bool, verbose: bool) -> int:
    gid = grp.getgrnam(names["QMAIL_QMAIL_GROUP"]).gr_gid
    problems = 0
    for rel, kind, owner, mode, content in layout(names):
        path = os.path.join(queue, rel) if rel else queue
        uid = pwd.getpwnam(names[owner]).pw_uid
        if not os.path.lexists(path):
            problems += 1
            word = {"d": "directory", "f": "file", "p": "fifo"}[kind]
            print(f"Creating {word} [{path}]")
            if test_only:
                continue
            if kind == "d":
                os.mkdir(path)
            elif kind == "p":
                os.mkfifo(path)
            else:
                with open(path, "w") as fh:
                    fh.write(content)
        st = os.lstat(path)
        if (st.st_uid, st.st_gid) != (uid, gid) or stat.S_IMODE(st.st_mode) != mode:
            if verbose:
                print(f"Changing permissions of [{path}]")
            if not test_only:
                os.chown(path, uid, gid)
                os.chmod(path, mode)
    return problems


def main(argv: list[str]) -> int:
    try:
        opts, args = getopt.getopt(argv[1:], "iNv")
    except getopt.GetoptError:
        print(USAGE, file=sys.stderr)
        return 111
    if len(args) != 1:
        print(USAGE, file=sys.stderr)
        return 111
    flags = {o for o, _ in opts}
    print(UNVERIFIED["queue_fix_banner"])
    try:
        fix(args[0].rstrip("/"), account_names(), "-N" in flags, "-v" in flags)
    except KeyError as exc:
        print(f"queue-fix: unable to find user or group {exc}", file=sys.stderr)
        return 111
    except OSError as exc:
        print(f"queue-fix: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 111
    print("queue-fix finished...")
    return 0
