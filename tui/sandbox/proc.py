"""Process helpers for simulated daemons: names as on NetBSD, detaching."""
from __future__ import annotations

import json
import os
import sys

from .layout import ARGV0_DIR, CONTROL_MOUNT


def _python() -> dict:
    with open(os.path.join(CONTROL_MOUNT, "python.json")) as fh:
        return json.load(fh)


def exec_named(procname: str, script: str, args: list[str]) -> None:
    """Replace this process with ``script args`` running under the name ``procname``.

    ``ps`` then shows ``procname`` as the first word of the command and psutil's
    ``name()`` is ``procname`` (the kernel takes it from the executable's file
    name, so the interpreter is started through a link of that name).
    """
    info = _python()
    link = os.path.join(ARGV0_DIR, procname)
    if not os.path.islink(link):
        tmp = f"{link}.{os.getpid()}"
        os.symlink(info["real"], tmp)
        os.replace(tmp, link)
    env = dict(os.environ)
    env["PYTHONPATH"] = info["pythonpath"]
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    os.execve(link, [procname, script, *args], env)


def ensure_name(procname: str) -> None:
    """Re-exec the running program under ``procname`` unless it already has it."""
    try:
        with open("/proc/self/comm") as fh:
            current = fh.read().strip()
    except OSError:
        return
    if current != procname[:15]:
        sys.stdout.flush()
        sys.stderr.flush()
        exec_named(procname, os.path.abspath(sys.argv[0]), sys.argv[1:])


def detach_stdio(keep_stderr: bool = False) -> None:
    """Point stdin/stdout (and stderr) at /dev/null so callers are not held open."""
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    if not keep_stderr:
        os.dup2(null, 2)
    if null > 2:
        os.close(null)


def daemonize() -> bool:
    """Double-fork into the background; returns True in the daemon, False in the caller."""
    if os.fork() > 0:
        return False
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    detach_stdio()
    os.chdir("/")
    return True
