"""Tools for the hostile-user tests: lay a trap as an unprivileged user inside the
sandbox, snapshot what must not change, run the wizard with a time limit."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from contextlib import contextmanager
from pathlib import Path

from tests.e2e import cli

#: A password hash planted in root's master.passwd entry: it must never be shown.
HASH = "$2a$08$qwSECRETqwSECRETqwSECRETqwSECRETqwSECRETqwSECRETqw"

#: Trees a local user must never get the wizard to change (besides the trap itself).
GUARDED = ("/etc", "/usr/pkg/etc", "/var/qmail")
#: What a wizard command may take before it counts as hung.
TIME_LIMIT = 120.0


def as_user(
    box, script: str, uid: int = 1000, gid: int = 100, timeout: float = 30.0
) -> subprocess.CompletedProcess:
    """``sh -c script`` inside the sandbox as uid/gid (default: the admin user)."""
    return box.exec(
        ["setpriv", "--reuid", str(uid), "--regid", str(gid), "--clear-groups", "sh", "-c", script],
        timeout=timeout,
    )


def snapshot(box, trees: tuple[str, ...] = GUARDED) -> dict[str, tuple]:
    """NetBSD path -> (type, uid, gid, mode, sha256 or link target) for everything under
    ``trees``, nothing followed."""
    found: dict[str, tuple] = {}
    for tree in trees:
        top = box.path(tree)
        for directory, dirs, files in os.walk(top, followlinks=False):
            for name in dirs + files:
                real = Path(directory) / name
                info = real.lstat()
                kind = stat.S_IFMT(info.st_mode)
                if stat.S_ISREG(info.st_mode):
                    content = hashlib.sha256(real.read_bytes()).hexdigest()
                elif stat.S_ISLNK(info.st_mode):
                    content = os.readlink(real)
                else:
                    content = ""
                found["/" + str(real.relative_to(box.paths.root))] = (
                    kind,
                    info.st_uid,
                    info.st_gid,
                    stat.S_IMODE(info.st_mode),
                    content,
                )
    return found


def changed(before: dict, after: dict, allowed=()) -> list[str]:
    """Paths that differ between two snapshots, leaving out ``allowed`` prefixes."""
    paths = set(before) | set(after)
    return sorted(
        p
        for p in paths
        if before.get(p) != after.get(p)
        and not any(p == a or p.startswith(a.rstrip("/") + "/") for a in allowed)
    )


def wizard(box, *args: str, timeout: float = TIME_LIMIT) -> subprocess.CompletedProcess:
    """qmail-wizard against ``box``; a hang fails the test (TimeoutExpired), and so does
    a traceback on either stream."""
    result = cli.wizard(box, *args, timeout=timeout)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr[-3000:]
    return result


@contextmanager
def installed_with_secret(path: Path):
    """An installed sandbox (default profile) whose root password hash is HASH."""
    with cli.installed_sandbox(path) as box:
        passwd = box.path("/etc/master.passwd")
        passwd.write_text(passwd.read_text().replace("root:*:", f"root:{HASH}:", 1))
        yield box
