"""execvp(3) for simulated programs, keeping the program's name visible to ps/psutil."""
from __future__ import annotations

import os

from ..layout import ARGV0_DIR, PYTHON_WRAPPER
from ..proc import _python, exec_named

#: NetBSD's _PATH_DEFPATH, used by execvp when PATH is unset.
DEFAULT_PATH = "/usr/bin:/bin:/usr/pkg/bin:/usr/local/bin"


def which(name: str) -> str | None:
    if "/" in name:
        return name if os.access(name, os.X_OK) else None
    for directory in os.environ.get("PATH", DEFAULT_PATH).split(":"):
        candidate = os.path.join(directory or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def prepare_names(*names: str) -> None:
    """Make the interpreter links of ``names`` now (while root: the directory is root's)."""
    for name in names:
        link = os.path.join(ARGV0_DIR, name)
        if not os.path.islink(link):
            tmp = f"{link}.{os.getpid()}"
            try:
                os.symlink(_python()["real"], tmp)
                os.replace(tmp, link)
            except OSError:
                pass


def execvp(argv: list[str]) -> None:
    """Replace this process with ``argv``; raises OSError like execvp when impossible."""
    path = which(argv[0])
    if path is None:
        raise FileNotFoundError(2, "No such file or directory", argv[0])
    try:
        with open(path, "rb") as fh:
            head = fh.readline(200)
    except OSError:
        head = b""
    if head.startswith(b"#!" + PYTHON_WRAPPER.encode()):
        try:
            exec_named(os.path.basename(argv[0]), path, list(argv[1:]))
        except PermissionError:
            pass  # no interpreter link of that name and no right to make one
    os.execv(path, argv)
