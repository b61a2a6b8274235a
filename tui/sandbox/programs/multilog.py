"""multilog(8) (daemontools): read log lines from stdin, select them with +pattern /
-pattern, and append the selected ones to each log directory's ``current`` file
(``t`` prefixes a TAI64N stamp).  ``multilog -*`` discards everything."""

from __future__ import annotations

import fnmatch
import os
import sys
import time


def tai64n(now: float | None = None) -> str:
    now = time.time() if now is None else now
    seconds = int(now)
    return f"@{(1 << 62) + seconds + 10:016x}{int((now - seconds) * 1e9):08x}"


def _matches(pattern: str, line: str) -> bool:
    return fnmatch.fnmatchcase(line, pattern.replace("[", "[[]"))


def main(argv: list[str]) -> int:
    script = argv[1:]
    for action in script:
        if action[:1] not in "+-tesnNS!./" and not action.startswith(("F", "=")):
            print(f"multilog: fatal: unrecognized script action {action}", file=sys.stderr)
            return 100
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # a logger at the end of a pipeline must not hold the caller's output
    os.close(null)
    stamp = False
    dirs = []
    for action in script:
        if action == "t":
            stamp = True
        elif action.startswith((".", "/")):
            os.makedirs(action, exist_ok=True)
            dirs.append(action)
    for raw in sys.stdin:
        line = raw.rstrip("\n")
        selected = True
        for action in script:
            if action.startswith("+"):
                selected = selected or _matches(action[1:], line)
            elif action.startswith("-"):
                selected = selected and not _matches(action[1:], line)
            elif action.startswith((".", "/")) and selected:
                with open(os.path.join(action, "current"), "a") as fh:
                    fh.write(f"{tai64n()} {line}\n" if stamp else f"{line}\n")
            elif action == "e" and selected:
                sys.stderr.write(line + "\n")
    return 0
