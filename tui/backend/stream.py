"""Follow a pexpect child line by line, answering its prompts; cancellable."""

from __future__ import annotations

import re
import threading
from typing import Callable

import pexpect

#: a line ends at \n, \r\n, or a lone \r (progress meters redraw with it)
LINE_END = re.compile(r"\r?\n|\r(?=[^\n])")
POLL_SECONDS = 0.2


class Cancelled(Exception):
    """The run was cancelled; the child has been terminated."""


def follow(
    child,
    on_line: Callable[[str], None],
    answers: tuple[tuple[str, str], ...] = (),
    on_prompt: Callable[[str, str, str], None] | None = None,
    cancel: threading.Event | None = None,
) -> int:
    """Read ``child`` to its end; return its exit status (128 + signal if killed).

    Every output line goes to ``on_line``.  When a prompt of ``answers`` appears,
    ``on_prompt(text_before, prompt, reply)`` is called with everything printed
    since the previous prompt, then ``reply`` and a carriage return are sent.
    """
    patterns = [pexpect.EOF, pexpect.TIMEOUT, LINE_END] + [
        re.compile(re.escape(p)) for p, _ in answers
    ]
    shown: list[str] = []
    try:
        while True:
            if cancel is not None and cancel.is_set():
                child.terminate(force=True)
                raise Cancelled()
            index = child.expect(patterns, timeout=POLL_SECONDS)
            if index == 0:
                if child.before:
                    on_line(child.before)
                break
            if index == 2:
                on_line(child.before)
                shown.append(child.before)
            elif index > 2:
                prompt, reply = answers[index - 3]
                if on_prompt is not None:
                    on_prompt("\n".join(shown + [child.before]).strip("\n"), prompt, reply)
                child.send(reply + "\r")
                shown = []
    finally:
        child.close(force=True)
    if child.exitstatus is not None:
        return child.exitstatus
    return 128 + (child.signalstatus or 0)
