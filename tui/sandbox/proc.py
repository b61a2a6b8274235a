"""Process helpers for simulated daemons: kernel names and argv[0] as on NetBSD, detaching."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

from .layout import ARGV0_DIR, CONTROL_MOUNT, PYTHON_WRAPPER

#: NetBSD's _PATH_DEFPATH, used by execvp when PATH is unset.
DEFAULT_PATH = "/usr/bin:/bin:/usr/pkg/bin:/usr/local/bin"


def _python() -> dict:
    import json  # here: every exec through pathexec imports this module

    with open(os.path.join(CONTROL_MOUNT, "python.json")) as fh:
        return json.load(fh)


def _link(name: str) -> str | None:
    """The interpreter link named ``name`` (made now if we may), or None."""
    link = os.path.join(ARGV0_DIR, name)
    if not os.path.islink(link):
        tmp = f"{link}.{os.getpid()}"
        try:
            os.symlink(_python()["real"], tmp)
            os.replace(tmp, link)
        except OSError:
            return None
    return link


def prepare_names(*names: str) -> None:
    """Make interpreter links now, while root (``/.sandbox/argv0`` is root's)."""
    for name in names:
        _link(name)


def exec_program(script: str, argv: list[str]) -> None:
    """Replace this process with the simulated program ``script``, as execve(2) runs a
    NetBSD binary: the kernel's name for the process (``p_comm``, psutil ``name()``)
    is the file name of ``script``; ``argv[0]`` is only argv[0] (``ps``'s first word,
    psutil ``cmdline()[0]``), whatever it says (argv0(1) sets it to ``qmailsmtpd``
    while the kernel name stays ``tcpserver``).

    The interpreter is started through a link named after ``script`` with
    ``[argv[0], script, *argv[1:]]``: the script path stays in the command line as
    its second word.  Without a link (not root, none prepared) the script runs as a
    plain script (kernel name and argv[0] those of the interpreter).
    """
    link = _link(os.path.basename(script))
    if link is None:
        os.execv(script, [script, *argv[1:]])
    info = _python()
    env = dict(os.environ)
    env["PYTHONPATH"] = info["pythonpath"]
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    os.execve(link, [argv[0], script, *argv[1:]], env)


def which(name: str, default_path: str = DEFAULT_PATH) -> str | None:
    """execvp(3)'s search: the executable ``name`` would run, or None."""
    if "/" in name:
        return name if os.access(name, os.X_OK) else None
    for directory in os.environ.get("PATH", default_path).split(":"):
        candidate = os.path.join(directory or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def is_stub(path: str) -> bool:
    """Whether ``path`` is a simulated program (a stub run by the sandbox interpreter)."""
    try:
        with open(path, "rb") as fh:
            return fh.readline(200).rstrip() == f"#!{PYTHON_WRAPPER}".encode()
    except OSError:
        return False


def execvp(argv: list[str]) -> None:
    """execvp(3) keeping argv[0] visible for simulated programs; raises OSError."""
    path = which(argv[0])
    if path is None:
        raise FileNotFoundError(2, "No such file or directory", argv[0])
    sys.stdout.flush()
    sys.stderr.flush()
    if is_stub(path):
        exec_program(path, list(argv))
    os.execv(path, argv)


def lines(fd: int = 0, size: int = 4096) -> Iterator[bytes]:
    """Lines read from ``fd`` (without their newline) until end of file; a last
    unterminated line is dropped."""
    buffer = b""
    while True:
        data = os.read(fd, size)
        if not data:
            return
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield line


def ensure_name() -> None:
    """Re-exec the running program through its interpreter link unless the kernel
    already names it after its file (a daemon started as a plain script)."""
    name = os.path.basename(sys.argv[0])
    try:
        with open("/proc/self/comm") as fh:
            current = fh.read().strip()
    except OSError:
        return
    if current != name[:15]:
        sys.stdout.flush()
        sys.stderr.flush()
        exec_program(os.path.abspath(sys.argv[0]), sys.argv)


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
