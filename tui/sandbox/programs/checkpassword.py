"""checkpassword: checkpassword prog... -- check user\\0password\\0 from descriptor 3, run prog as the user."""

from __future__ import annotations

import crypt
import os
import pwd

from ..proc import execvp


def _hash(user: str) -> str | None:
    try:
        with open("/etc/master.passwd") as fh:
            for line in fh:
                fields = line.rstrip("\n").split(":")
                if fields[0] == user and len(fields) > 1:
                    return fields[1]
    except OSError:
        return None
    return None


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        return 2
    data = b""
    try:
        while len(data) < 512:
            chunk = os.read(3, 512 - len(data))
            if not chunk:
                break
            data += chunk
        os.close(3)
    except OSError:
        return 111
    fields = data.split(b"\0")
    if len(fields) < 3:
        return 2
    user, password = fields[0].decode(errors="replace"), fields[1].decode(errors="replace")
    try:
        pw = pwd.getpwnam(user)
    except KeyError:
        return 1
    stored = _hash(user)
    if not stored or stored in ("*", "") or stored.startswith("*"):
        return 1
    if crypt.crypt(password, stored) != stored:
        return 1
    try:
        os.setgroups(os.getgrouplist(pw.pw_name, pw.pw_gid))
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)
        os.chdir(pw.pw_dir)
    except OSError:
        return 111
    os.environ.update(USER=pw.pw_name, HOME=pw.pw_dir, SHELL=pw.pw_shell)
    try:
        execvp(argv[1:])
    except OSError:
        return 111
    return 111
