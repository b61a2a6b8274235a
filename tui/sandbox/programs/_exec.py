"""pathexec as daemontools/ucspi programs do it: find a program on $PATH and run it,
keeping a sandbox stub's requested argv[0] visible (see proc.exec_named)."""
from __future__ import annotations

import os
import sys

from .. import proc


def run(fatal: str, program: str, argv: list[str]) -> int:
    """Replace this process with ``program`` (argv[0] = argv[0]); on failure print
    ``<fatal>unable to run <program>: <reason>`` and return 111."""
    path = proc.which(program, "/bin:/usr/bin")
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        if path is None:
            raise FileNotFoundError
        if argv[0] != path and argv[0] != program and proc.is_stub(path):
            proc.exec_named(os.path.basename(argv[0]), path, argv[1:])
        os.execv(path, argv)
    except FileNotFoundError:
        reason = "file does not exist"
    except PermissionError:
        reason = "access denied"
    except OSError as exc:
        reason = exc.strerror.lower()
    print(f"{fatal}unable to run {program}: {reason}", file=sys.stderr)
    return 111
