"""checkpassword 0.90: checkpassword prog... -- check ``user\\0password\\0`` read from
descriptor 3 against /etc/master.passwd, then run prog as the user.

Exit 1: bad user or password; 2: bad input; 111: temporary problem.  As on NetBSD,
a process that is not root sees ``*`` for every hash (getpwnam reads the insecure
database), so checkpassword works only as root: run by a root server, or installed
setuid root (emulated from the file's mode, see qmail.privs.setuid_bits).  Hashes
are checked with the simulated libcrypt (only ``$sha1$``, see sandbox/pwcrypt.py).
"""

from __future__ import annotations

import os
import pwd
import sys

from .. import pwcrypt
from ..proc import execvp
from ..qmail import privs

MASTER_PASSWD = "/etc/master.passwd"


def stored_hash(user: str) -> str:
    """The user's master.passwd hash, or ``*`` when it cannot be read (not root)."""
    try:
        with open(MASTER_PASSWD) as fh:
            for line in fh:
                fields = line.rstrip("\n").split(":")
                if fields[0] == user and len(fields) > 1:
                    return fields[1]
    except OSError:
        pass
    return "*"


def _read_fd3() -> bytes | None:
    data = b""
    try:
        while len(data) < 512:
            chunk = os.read(3, 512 - len(data))
            if not chunk:
                break
            data += chunk
        os.close(3)
    except OSError:
        return None
    return data


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        return 2
    privs.setuid_bits(getattr(sys.modules["__main__"], "__file__", "") or "")
    data = _read_fd3()
    if data is None:
        return 111
    fields = data.split(b"\0")
    if len(fields) < 3:
        return 2
    user = fields[0].decode("utf-8", "surrogateescape")
    password = fields[1].decode("utf-8", "surrogateescape")
    try:
        pw = pwd.getpwnam(user)
    except KeyError:
        return 1
    if not pwcrypt.matches(password, stored_hash(user)):
        return 1
    try:
        os.setgroups(os.getgrouplist(pw.pw_name, pw.pw_gid))
        os.setgid(pw.pw_gid)
        privs.drop(pw.pw_uid, 0)  # keeps what a later setuid program (qmail-queue) needs
        os.chdir(pw.pw_dir)
    except OSError:
        return 111
    os.environ.update(USER=pw.pw_name, HOME=pw.pw_dir, SHELL=pw.pw_shell)
    try:
        execvp(argv[1:])
    except OSError:
        return 111
    return 111
