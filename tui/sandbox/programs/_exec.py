"""pathexec as daemontools/ucspi programs do it: find a program on $PATH and run it
with the given argv (a simulated program as execve runs a binary: proc.exec_program)."""

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
        if proc.is_stub(path):
            proc.exec_program(path, argv)
        os.execv(path, argv)
    except FileNotFoundError:
        reason = "file does not exist"
    except PermissionError:
        reason = "access denied"
    except OSError as exc:
        reason = (exc.strerror or "unknown error").lower()
    print(f"{fatal}unable to run {program}: {reason}", file=sys.stderr)
    return 111
