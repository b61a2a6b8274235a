"""A program in a real pty, read byte by byte with timestamps (no terminal emulator).

The pty is wide enough that one line of text is written contiguously; escape
sequences are stripped from the stream before a marker is searched for.
"""

from __future__ import annotations

import codecs
import os
import re
import select
import time

from ptyprocess import PtyProcess

#: CSI, OSC, DCS/APC/PM strings, charset selection and other two-byte escapes
ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[()][0-9A-Za-z]|\x1b[@-Z\\-_=>]"
)
KEYS = {"enter": b"\r", "tab": b"\t", "shift+tab": b"\x1b[Z", "ctrl+q": b"\x11"}


def plain(text: str) -> str:
    return ESCAPES.sub("", text)


class Timeout(Exception):
    pass


class Terminal:
    """``argv`` in a ``cols`` x ``rows`` pty; ``started`` is the monotonic spawn time."""

    def __init__(
        self,
        argv: list[str],
        cols: int = 160,
        rows: int = 50,
        env: dict | None = None,
        cwd: str | None = None,
    ):
        environment = dict(os.environ if env is None else env)
        environment.setdefault("TERM", "xterm-256color")
        environment["COLUMNS"], environment["LINES"] = str(cols), str(rows)
        self.started = time.monotonic()
        self.proc = PtyProcess.spawn(argv, dimensions=(rows, cols), env=environment, cwd=cwd)
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.text = ""  # everything read so far, escapes stripped
        self.raw = b""

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self, timeout: float) -> float | None:
        """Read what is there within ``timeout``; the time it arrived, None if nothing."""
        ready, _, _ = select.select([self.proc.fd], [], [], max(timeout, 0))
        if not ready:
            return None
        try:
            chunk = os.read(self.proc.fd, 65536)
        except OSError:  # EIO: the program ended
            chunk = b""
        now = time.monotonic()
        if not chunk:
            raise Timeout("the program ended; its last output:\n" + self.text[-2000:])
        self.raw += chunk
        self.text += plain(self.decoder.decode(chunk))
        return now

    def wait_for(self, marker: str, timeout: float = 120.0) -> float:
        """Read until ``marker`` shows in output not seen before the call; when it came."""
        start = len(self.text)
        deadline = time.monotonic() + timeout
        while True:
            # a marker may straddle the call's start by a few bytes: look back a line
            if marker in self.text[max(0, start - len(marker)) :]:
                return time.monotonic()
            if time.monotonic() > deadline:
                raise Timeout(
                    f"{marker!r} did not show within {timeout:.0f} s; "
                    f"last output:\n{self.text[-2000:]}"
                )
            self._read(deadline - time.monotonic())

    def drain(self, quiet: float) -> float | None:
        """Read until nothing comes for ``quiet`` seconds; the time of the last byte."""
        last = None
        while True:
            arrived = self._read(quiet)
            if arrived is None:
                return last
            last = arrived

    def press(self, key: str) -> float:
        """Write one key; the time just before the write."""
        now = time.monotonic()
        os.write(self.proc.fd, KEYS.get(key, key.encode()))
        return now

    def close(self) -> None:
        if self.proc.isalive():
            self.proc.terminate(force=True)
        try:
            self.proc.close(force=True)
        except OSError:
            pass
