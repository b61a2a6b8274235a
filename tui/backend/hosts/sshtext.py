"""What the ssh target reads as text: its ``ssh://`` target, and NetBSD's ps and
sockstat output (the remote has no psutil)."""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass

from .base import Listener, ProcessInfo

PS_FIELDS = "pid=,ppid=,uid=,rss=,stat=,time=,lstart=,comm=,args="
STATUS = {"R": "running", "O": "running", "S": "sleeping", "I": "idle", "D": "disk-sleep"}
STATUS.update({"T": "stopped", "Z": "zombie"})


@dataclass(frozen=True)
class Destination:
    """``ssh://[user@]host[:port]``, parsed."""

    host: str
    user: str | None = None
    port: int | None = None

    def __str__(self) -> str:
        user = f"{self.user}@" if self.user else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port else ""
        return f"ssh://{user}{host}{port}"


def parse_destination(target: str) -> Destination:
    """ValueError with a message naming what is wrong."""
    from urllib.parse import urlsplit

    if not target.startswith("ssh://"):
        raise ValueError(f"{target!r} does not start with ssh://")
    try:
        parts = urlsplit(target)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{target!r}: {exc}") from None
    if not parts.hostname or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"{target!r} is not ssh://[user@]host[:port]")
    if parts.password is not None:
        raise ValueError(f"{target!r}: no password in the target; use keys or an agent")
    if port == 0:
        raise ValueError(f"{target!r}: port 0 is not a port")
    return Destination(parts.hostname, parts.username or None, port)


def _cpu_seconds(text: str) -> float:
    """NetBSD's ``M:SS.cc`` (also ``[DD-]HH:MM:SS``) as seconds; 0 when unreadable."""
    days, _, rest = text.rpartition("-")
    try:
        seconds = 0.0
        for part in rest.split(":"):
            seconds = seconds * 60 + float(part)
        return seconds + (int(days) * 86400 if days else 0)
    except ValueError:
        return 0.0


def parse_ps(text: str, passwd: dict[int, str]) -> list[ProcessInfo]:
    """``ps -ax -o pid=,ppid=,uid=,rss=,stat=,time=,lstart=,comm=,args=`` (TZ=UTC)."""
    found = []
    for line in text.splitlines():
        fields = line.split(None, 11)
        if len(fields) < 11 or not fields[0].isdigit():
            continue  # a header line, or something unreadable
        pid, ppid, uid, rss, stat, cputime = fields[:6]
        try:
            started = calendar.timegm(time.strptime(" ".join(fields[6:11]), "%a %b %d %H:%M:%S %Y"))
        except ValueError:
            continue
        rest = fields[11].split(None, 1) if len(fields) > 11 else [""]
        args = rest[1] if len(rest) > 1 else ""
        found.append(
            ProcessInfo(
                pid=int(pid),
                ppid=int(ppid) if ppid.isdigit() else 0,
                name=rest[0],
                cmdline=tuple(args.split()),
                user=passwd.get(int(uid), uid) if uid.isdigit() else uid,
                create_time=float(started),
                status=STATUS.get(stat[:1], "sleeping"),
                rss_bytes=int(rss) * 1024 if rss.isdigit() else 0,
                cpu_time=_cpu_seconds(cputime),
            )
        )
    return found


def parse_sockstat(text: str) -> list[Listener]:
    """``sockstat -4 -6 -l -n``: TCP rows, one per address (the lowest pid holding it)."""
    seen: dict[tuple[str, int], Listener] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 6 or not fields[2].isdigit() or fields[4] not in ("tcp", "tcp6"):
            continue
        address, _, port = fields[5].rpartition(".")
        if not port.isdigit():
            continue
        if address == "*":
            address = "0.0.0.0" if fields[4] == "tcp" else "::"
        seen.setdefault((address, int(port)), Listener(address, int(port), int(fields[2])))
    return list(seen.values())


def b64_bytes(text: str) -> bytes:
    """The bytes the remote helper sent as base64 text."""
    import base64

    return base64.b64decode(text)
