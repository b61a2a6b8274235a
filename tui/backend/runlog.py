"""The log of a run: /var/log/qmail-wizard/RUN_ID.log (mode 0600, directory 0700).

Every action is recorded with a timestamp: the command (or file write) as it was
run, its output, exit status and duration.  The host interface writes whole files
atomically, so the log is kept in memory and rewritten: at every entry, and while a
long command streams, at most every FLUSH_SECONDS.  A resumed run appends (its first
rewrite also removes the temp copy a killed run left mid-rewrite, as every atomic
write does).
"""

from __future__ import annotations

import time

from .hosts import Host
from .journal import now
from .private import make_private_dirs

LOG_DIR = "/var/log/qmail-wizard"
FLUSH_SECONDS = 2.0


def log_path(run_id: str) -> str:
    return f"{LOG_DIR}/{run_id}.log"


class RunLog:
    def __init__(self, host: Host, run_id: str):
        self.host = host
        self.path = log_path(run_id)
        make_private_dirs(host, [LOG_DIR])
        self.parts = [host.read_text(self.path)] if host.exists(self.path) else []
        self.flushed = 0.0

    def note(self, text: str) -> None:
        """A timestamped line (each line of a multi-line text gets its own prefix)."""
        self.parts.append("".join(f"{now()} {line}\n" for line in text.splitlines()))
        self.flush()

    def output(self, line: str) -> None:
        """One line a running command printed."""
        self.parts.append(f"    | {line}\n")
        if time.monotonic() - self.flushed >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        self.host.write(self.path, "".join(self.parts), mode=0o600)
        self.flushed = time.monotonic()
