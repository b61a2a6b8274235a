"""The probe's first stage in a forked helper process (the interactive start only).

On a host whose commands run on this machine (local, sandbox), reading it is this
machine's CPU: starting the probe's commands, parsing their answer, the summary's
sockets and processes.  In a thread, that work shares one interpreter lock with
Textual's import and the first paint; in a process forked before them, it runs on
another core, and only its answer (pickled) crosses back.

The fork happens while the process has one thread (the CLI's start); the helper reads
nothing from the terminal and writes nothing to it, and ends with ``os._exit``.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from .hosts import HostError

T = TypeVar("T")


def fork(work: Callable[[], T]) -> Callable[[], T]:
    """Run ``work()`` in a forked child; the returned function waits for its result
    (raising what ``work`` raised, or HostError when the helper died without an
    answer).  Call it once, from any thread."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the helper: never returns
        os.close(read_end)
        _serve(work, write_end)
    os.close(write_end)

    def result() -> T:
        with os.fdopen(read_end, "rb") as answer:
            data = answer.read()
        _pid, status = os.waitpid(pid, 0)
        if not data:
            raise HostError(
                f"the probe's helper process ended without an answer ({_how(status)}); "
                "start qmail-wizard again"
            )
        ok, value = pickle.loads(data)
        if not ok:
            raise value
        return value

    return result


def _serve(work: Callable[[], Any], write_end: int) -> None:
    status = 1
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # the terminal is the wizard's
            os.dup2(devnull, fd)
        sys.stdin = sys.stdout = sys.stderr = None  # whatever file objects they were
        try:
            answer = pickle.dumps((True, work()))
        except BaseException as exc:  # handed to whoever waits, as raised here
            answer = _error(exc)
        with os.fdopen(write_end, "wb") as out:
            out.write(answer)
        status = 0
    finally:
        os._exit(status)


def _error(exc: BaseException) -> bytes:
    try:
        data = pickle.dumps((False, exc))
        pickle.loads(data)  # an exception that cannot be rebuilt is said in words
        return data
    except Exception:
        return pickle.dumps((False, HostError(f"{type(exc).__name__}: {exc}")))


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"
