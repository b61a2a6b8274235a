"""psutil views of processes and listening sockets, shared by the hosts.

Only calls that work on NetBSD are used (no cpu_affinity, memory_maps, /proc-only
helpers): name, ppid, cmdline, uids, create_time, status, memory_info, cpu_times,
net_connections.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Callable

import psutil

from .base import Listener, ProcessInfo

ATTRS = [
    "pid",
    "ppid",
    "name",
    "cmdline",
    "uids",
    "create_time",
    "status",
    "memory_info",
    "cpu_times",
]


def snapshot(
    pids: Iterable[int] | None,
    user_of: Callable[[int], str],
    host_pid: Callable[[int], int] = lambda pid: pid,
) -> list[ProcessInfo]:
    """ProcessInfo for ``pids`` (all processes when None)."""
    procs: Iterable[psutil.Process]
    if pids is None:
        procs = psutil.process_iter(ATTRS)
    else:
        chosen: list[psutil.Process] = []
        for pid in pids:
            try:
                chosen.append(psutil.Process(pid))
            except psutil.NoSuchProcess:
                continue
        procs = chosen
    found = []
    for proc in procs:
        try:
            info = proc.info if hasattr(proc, "info") else proc.as_dict(ATTRS)
        except psutil.NoSuchProcess:
            continue
        if info.get("uids") is None or info.get("create_time") is None:
            continue
        memory = info.get("memory_info")
        times = info.get("cpu_times")
        found.append(
            ProcessInfo(
                pid=host_pid(info["pid"]),
                ppid=host_pid(info["ppid"]) if info.get("ppid") else 0,
                name=info.get("name") or "",
                cmdline=tuple(info.get("cmdline") or ()),
                user=user_of(info["uids"].effective),
                create_time=info["create_time"],
                status=info.get("status") or "",
                rss_bytes=memory.rss if memory else 0,
                cpu_time=times.user + times.system if times else 0.0,
                machine_pid=info["pid"],
            )
        )
    return found


def running(procs: Iterable[ProcessInfo]) -> bool:
    """Whether each process still runs (its machine pid, same start time, no zombie):
    a small file or two per process instead of a scan.  Unsure (access denied) is False."""
    for info in procs:
        try:
            proc = psutil.Process(info.machine_pid)
            if proc.create_time() != info.create_time or proc.status() == psutil.STATUS_ZOMBIE:
                return False
        except psutil.Error:
            return False
    return True


def listening(
    pid_filter: Callable[[int | None], bool], host_pid: Callable[[int], int] = lambda pid: pid
) -> list[Listener]:
    out: list[Listener] = []
    try:
        connections = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, NotImplementedError):
        return out
    for conn in connections:
        if conn.status != psutil.CONN_LISTEN or not conn.laddr:
            continue
        if not pid_filter(conn.pid):
            continue
        out.append(
            Listener(
                address=conn.laddr.ip,
                port=conn.laddr.port,
                pid=host_pid(conn.pid) if conn.pid else None,
            )
        )
    return out
