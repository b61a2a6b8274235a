"""The admin's one-line answer at a terminal prompt, without input()'s Ctrl+C race.

input() runs Python's SIGINT handler, then blocks in read(2): a Ctrl+C that lands
between the two (the prompt is written, the read not yet begun) is swallowed and the
prompt hangs until Enter. Here the wait is a select() that also watches the signal
wakeup pipe, so a Ctrl+C at any moment ends the wait and raises KeyboardInterrupt.
"""

from __future__ import annotations

import os
import select
import signal
import sys


def ask(prompt: str) -> str:
    """The line typed after ``prompt`` (no newline); KeyboardInterrupt on Ctrl+C,
    EOFError on Ctrl+D, as input() has them. Call from the main thread."""
    sys.stdout.write(prompt)
    sys.stdout.flush()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    before = signal.set_wakeup_fd(wake_w)
    try:
        return _read_line(sys.stdin.fileno(), wake_r)
    finally:
        signal.set_wakeup_fd(before)
        os.close(wake_r)
        os.close(wake_w)


def _read_line(fd: int, wake: int) -> str:
    """Bytes from ``fd`` up to a newline; a signal's byte on ``wake`` only wakes the
    loop, so its Python handler (KeyboardInterrupt for SIGINT) runs."""
    got = b""
    while not got.endswith(b"\n"):
        ready, _, _ = select.select([fd, wake], [], [])
        if wake in ready:
            os.read(wake, 64)
        if fd in ready:
            chunk = os.read(fd, 1024)
            if not chunk:
                if got:
                    break
                raise EOFError
            got += chunk
    return got.decode(errors="replace").rstrip("\r\n")
