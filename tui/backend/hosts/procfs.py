"""Processes as ProcessInfo, read from Linux's /proc without psutil (the sandbox runs
on Linux): three small reads per process, where psutil costs 7 ms to import and more
reads per process.  psutil's meanings are kept: ``name`` is the kernel's comm, taken
from argv[0] when the kernel cut it at 15 characters; ``status`` psutil's word for the
state letter; ``create_time`` seconds since the epoch; ``rss_bytes`` and ``cpu_time``
as psutil's ``memory_info().rss`` and ``cpu_times()`` user + system.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable

from .base import ProcessInfo

#: the kernel's clock ticks per second (times in /proc/PID/stat are in ticks)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
#: /proc/PID/stat's state letter -> psutil's status word
STATES = {
    "R": "running",
    "S": "sleeping",
    "D": "disk-sleep",
    "T": "stopped",
    "t": "tracing-stop",
    "Z": "zombie",
    "X": "dead",
    "x": "dead",
    "K": "wake-kill",
    "W": "waking",
    "I": "idle",
    "P": "parked",
}


@functools.cache
def boot_time() -> float:
    """When the machine booted: /proc/stat's btime (what psutil.boot_time reads)."""
    with open("/proc/stat", "rb") as fh:
        for line in fh:
            if line.startswith(b"btime"):
                return float(line.split()[1])
    raise OSError("/proc/stat has no btime line")


def _started(stat_fields: list[bytes]) -> float:
    """A process's start (epoch seconds) from the fields after comm in /proc/PID/stat."""
    return boot_time() + int(stat_fields[19]) / CLOCK_TICKS


def running(procs: Iterable[ProcessInfo]) -> bool:
    """Whether each process still runs: same start time, no zombie (one small read of
    /proc/PID/stat each; the Dashboard asks every second)."""
    for info in procs:
        try:
            with open(f"/proc/{info.machine_pid}/stat", "rb") as fh:
                fields = fh.read().rpartition(b")")[2].split()
        except OSError:
            return False
        if fields[0] == b"Z" or abs(_started(fields) - info.create_time) > 0.01:
            return False
    return True


def snapshot(
    pids: Iterable[int],
    user_of: Callable[[int], str],
    host_pid: Callable[[int], int] = lambda pid: pid,
) -> list[ProcessInfo]:
    """ProcessInfo for each of the machine ``pids`` that still exists; ``host_pid``
    numbers a process (and its parent) as its host does."""
    found = []
    for pid in pids:
        try:
            found.append(_read(pid, user_of, host_pid))
        except (OSError, ValueError, IndexError):  # gone (or going) while it was read
            continue
    return found


def _read(pid: int, user_of: Callable[[int], str], host_pid: Callable[[int], int]) -> ProcessInfo:
    with open(f"/proc/{pid}/stat", "rb") as fh:
        stat = fh.read()
    comm = stat[stat.index(b"(") + 1 : stat.rindex(b")")].decode("utf-8", "surrogateescape")
    fields = stat[stat.rindex(b")") + 2 :].split()
    with open(f"/proc/{pid}/cmdline", "rb") as fh:
        cmdline = _split(fh.read().decode("utf-8", "surrogateescape"))
    with open(f"/proc/{pid}/status", "rb") as fh:
        uids = next((line.split() for line in fh if line.startswith(b"Uid:")), None)
    if uids is None:  # (read as the process ended)
        raise ValueError(f"/proc/{pid}/status has no Uid line")
    uid = int(uids[2])
    with open(f"/proc/{pid}/statm", "rb") as fh:
        rss_pages = int(fh.read().split()[1])
    name = comm
    if len(comm) >= 15 and cmdline:  # the kernel keeps 15 characters of it
        extended = os.path.basename(cmdline[0])
        if extended.startswith(comm):
            name = extended
    ppid = int(fields[1])
    return ProcessInfo(
        pid=host_pid(pid),
        ppid=host_pid(ppid) if ppid else 0,
        name=name,
        cmdline=tuple(cmdline),
        user=user_of(uid),
        create_time=_started(fields),
        status=STATES.get(fields[0].decode(), fields[0].decode()),
        rss_bytes=rss_pages * PAGE_SIZE,
        cpu_time=int(fields[11]) / CLOCK_TICKS + int(fields[12]) / CLOCK_TICKS,
        machine_pid=pid,
    )


def _split(data: str) -> list[str]:
    """/proc/PID/cmdline as psutil splits it: on NULs, or on spaces for a process that
    rewrote its title into one string."""
    if not data:
        return []
    sep = "\x00" if data.endswith("\x00") else " "
    if data.endswith(sep):
        data = data[:-1]
    words = data.split(sep)
    if sep == "\x00" and len(words) == 1 and " " in data:
        words = data.split(" ")
    return words
