"""One run at a time: ``mkdir /var/db/qmail-wizard/lock`` (atomic on any host) + a holder file.

The holder names this process (pid on the machine running qmail-wizard, that
machine's name, its start time); LockHeld's message names all three.  A lock whose
holder process is gone from this machine is stale and is cleared.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass

from .hosts import Host, HostError
from .private import make_private_dirs

STATE_DIR = "/var/db/qmail-wizard"
LOCK_DIR = f"{STATE_DIR}/lock"
HOLDER = f"{LOCK_DIR}/holder"


class LockHeld(Exception):
    """Another run holds the lock; the message names it."""


@dataclass(frozen=True)
class Holder:
    pid: int
    machine: str
    started: float

    @classmethod
    def me(cls) -> Holder:
        import psutil  # (7 ms: only for a run, not for what imports STATE_DIR)

        return cls(os.getpid(), socket.gethostname(), psutil.Process().create_time())

    def alive(self) -> bool:
        """False only when certain: same machine and the process is gone (or reused)."""
        if self.machine != socket.gethostname():
            return True
        import psutil

        try:
            return psutil.Process(self.pid).create_time() <= self.started + 1
        except psutil.Error:
            return False

    def __str__(self) -> str:
        started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.started))
        return f"pid {self.pid} on {self.machine}, started {started}"


class Lock:
    """Context manager: take the lock (clearing a stale one) or raise LockHeld."""

    def __init__(self, host: Host):
        self.host = host
        self.me = Holder.me()
        #: the holder of a stale lock this run cleared (its process was gone)
        self.cleared: Holder | None = None

    def __enter__(self) -> Lock:
        make_private_dirs(self.host, [STATE_DIR])
        if self._take():
            return self
        holder = self.holder()
        if holder is None:
            raise LockHeld(
                f"another qmail-wizard run is starting ({LOCK_DIR} has no holder "
                f"file yet); if none is running, remove {LOCK_DIR} and retry"
            )
        if holder.alive():
            raise LockHeld(
                f"another qmail-wizard run holds {LOCK_DIR}: {holder}; wait for it to finish"
            )
        self._clear()
        self.cleared = holder
        if self._take():
            return self
        raise LockHeld(f"another qmail-wizard run took {LOCK_DIR} just now: {self.holder()}")

    def __exit__(self, *exc) -> None:
        if self.holder() == self.me:
            self._clear()

    def holder(self) -> Holder | None:
        try:
            data = json.loads(self.host.read_text(HOLDER))
            return Holder(int(data["pid"]), str(data["machine"]), float(data["started"]))
        except (HostError, ValueError, KeyError, TypeError):
            return None

    def _take(self) -> bool:
        result = self.host.run(["mkdir", "-m", "0700", LOCK_DIR])
        if result.rc != 0:
            if not self.host.exists(LOCK_DIR):
                raise HostError(f"cannot create {LOCK_DIR}: {result.stderr.strip()}")
            return False
        record = {"pid": self.me.pid, "machine": self.me.machine, "started": self.me.started}
        self.host.write(HOLDER, json.dumps(record) + "\n", mode=0o600)
        return True

    def _clear(self) -> None:
        self.host.run(["rm", "-rf", "--", LOCK_DIR])
