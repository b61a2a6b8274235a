"""Live state of the mail services on a host: rc.conf, rc.d status, processes, queue, log.

For the qmail services rc.d ``onestatus`` (facts §6.2) is the authority; the host's
process list (psutil, facts §8), matched as rc.subr matches (procmatch), is the
cross-check and gives pids, uptime, CPU, memory and listening sockets.  postfix is
found by its master process only: NetBSD's rc.d/postfix ``status`` runs ``postfix
status``, which writes a line to the mail log at every call.  A StatusReader keeps what it needs between reads (its last process scan,
CPU times, the mail log's offset, listeners, which services it saw running) so that a
read without the rc.d check costs a look at the processes it knows (a scan only every
SCAN_EVERY_S or when one of them ended) and a few small file reads.
"""

from __future__ import annotations

import os
import re
import time
from collections import deque
from dataclasses import asdict, dataclass, field, replace

from . import facts, procmatch
from .facts import MAILLOG, QUEUE, RC_CONF, RC_DEFAULTS, RcConf
from .hosts import Host, HostError, ProcessInfo
from .hosts.base import host_port
from .procmatch import PIDFILES

#: the qmail services and the base MTA
SERVICES = facts.SERVICES + ("postfix",)
LOGGERS = ("logger", "multilog")
TAIL_BYTES = 64 * 1024  # how much of a big log the first read looks at
LISTEN_RETRY_S = 2.0  # rescan sockets this often while a listener has none
SCAN_EVERY_S = 5.0  # a process scan stands this long while its processes run
MARK = re.compile(r"^@@qw-([0-9a-f]{16}) (\S+) (-?\d+)@@$")
RUNNING = re.compile(r"^(\S+) is running as pid ([\d ]+)\.?$")
NOT_RUNNING = re.compile(r"^(\S+) is not running\.?$")

RC_SCRIPT = r"""
for s in @SERVICES@; do
  if [ -f /etc/rc.d/$s ]; then o=`/etc/rc.d/$s onestatus 2>&1`; rc=$?; else o=; rc=-1; fi
  echo "@@qw-@NONCE@ $s $rc@@"
  [ -n "$o" ] && printf '%s\n' "$o"
done
"""


@dataclass
class ServiceStatus:
    name: str
    enabled: bool
    running: bool
    state: str  # running | stopped | crashed | unsure
    pids: list[int]  # main process first, then helpers
    uptime_s: float | None
    cpu_percent: float
    rss_bytes: int
    listen: list[str]
    user: str
    rc_status: str


@dataclass
class QueueStatus:
    messages: int
    unprocessed: int
    oldest_s: float | None


@dataclass
class Status:
    services: list[ServiceStatus]
    queue: QueueStatus
    log: list[str]
    taken_at: float = field(default_factory=time.time)

    def service(self, name: str) -> ServiceStatus:
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(f"no service {name!r}: one of {', '.join(SERVICES)}")

    def to_json(self) -> dict:
        return {
            "services": [asdict(s) for s in self.services],
            "queue": asdict(self.queue),
            "log": list(self.log),
        }


@dataclass
class _RcVerdict:
    line: str
    running: bool | None  # None: the output said neither
    pids: list[int]
    disagree: bool  # psutil saw otherwise at that check
    main_then: int | None  # psutil's main pid at that check


class StatusReader:
    """Reads a host's Status again and again, cheaply."""

    def __init__(self, host: Host, log_lines: int = 20):
        self.host = host
        self._log: deque[str] = deque(maxlen=log_lines)
        self._log_offset = 0
        self._skip_partial = False
        self._cpu: dict[tuple[int, float], float] = {}
        self._scan_at: float | None = None
        self._scanned: tuple[list[ServiceStatus], list[ProcessInfo]] | None = None
        self._expects = 0  # a scan begun before an expect() is not kept
        self._listeners: list = []
        self._listen_key: tuple | None = None
        self._listen_at = 0.0
        self._rc: dict[str, _RcVerdict] = {}
        self._seen_running: set[str] = set()
        self._stopped: set[str] = set()
        self._splits: dict[str, tuple[float, float, list[float]]] = {}  # _queue's

    def expect(self, name: str, running: bool) -> None:
        """A deliberate start or stop: a stop is then not reported as a crash."""
        self._scanned, self._expects = None, self._expects + 1  # the next read scans
        if running:
            self._stopped.discard(name)
        else:
            self._stopped.add(name)
            self._seen_running.discard(name)

    def read(self, rc_check: bool = True) -> Status:
        """The status now.  Without ``rc_check``, the services of the last process scan
        stand (uptimes brought up to date) while the scan is under SCAN_EVERY_S old,
        every process it found still runs (a crash shows at once), and it found every
        enabled service running and listening; CPU % is over the interval between scans."""
        services = None if rc_check else self._kept()
        if services is None:
            services = self._scan(self._rc_status() if rc_check else {}, rc_check)
        now = time.time()
        return Status(services, self._queue(now), self._tail(), now)

    def _kept(self) -> list[ServiceStatus] | None:
        now, scan_at = time.time(), self._scan_at
        if (
            self._scanned is None
            or scan_at is None  # set with _scanned
            or now - scan_at >= SCAN_EVERY_S
            or not self.host.still_running(self._scanned[1])
        ):
            return None
        return [
            s if s.uptime_s is None else replace(s, uptime_s=round(s.uptime_s + now - scan_at, 1))
            for s in self._scanned[0]
        ]

    def _scan(self, verdicts: dict[str, _RcVerdict], rc_check: bool) -> list[ServiceStatus]:
        expects = self._expects
        procs = [p for p in self.host.processes() if p.status != "zombie"]
        now = time.time()
        by_pid = {p.pid: p for p in procs}
        knobs = RcConf(self._text(RC_CONF), self._text(RC_DEFAULTS))
        mains = {}
        for name in SERVICES:
            verdict = verdicts.get(name)
            main = self._main(name, procs, by_pid, verdict)
            if verdict is not None:
                self._rc[name] = _RcVerdict(
                    verdict.line,
                    verdict.running,
                    verdict.pids,
                    verdict.running is not None and verdict.running != (main is not None),
                    main.pid if main else None,
                )
            mains[name] = main
        self._refresh_listeners(mains, rc_check, now)
        interval = now - self._scan_at if self._scan_at else None
        services = [
            self._service(name, mains[name], procs, by_pid, knobs, now, interval)
            for name in SERVICES
        ]
        self._cpu = {(p.pid, p.create_time): p.cpu_time for p in procs}
        self._scan_at = now
        keep = (
            expects == self._expects
            and not self._missing_listener(mains)
            and all(s.state == "running" for s in services if s.enabled)
        )
        self._scanned = (
            (services, [by_pid[pid] for service in services for pid in service.pids])
            if keep
            else None
        )
        return services

    # -- rc.d ----------------------------------------------------------------------
    def _rc_status(self) -> dict[str, _RcVerdict]:
        """Every qmail service's ``onestatus`` in one host.run (never postfix's)."""
        nonce = os.urandom(8).hex()
        script = RC_SCRIPT.replace("@SERVICES@", " ".join(facts.SERVICES)).replace("@NONCE@", nonce)
        result = self.host.run(["/bin/sh", "-c", script], timeout=60)
        verdicts, current = {}, None
        for line in result.stdout.splitlines():
            match = MARK.match(line)
            if match and match.group(1) == nonce:
                current = match.group(2)
                verdicts[current] = _RcVerdict("", None, [], False, None)
                if int(match.group(3)) == -1:
                    verdicts[current].line = f"/etc/rc.d/{current} is not installed"
            elif current and line.strip():
                verdict = verdicts[current]
                verdict.line = line.strip()
                if match := RUNNING.match(verdict.line):
                    verdict.running, verdict.pids = True, [int(p) for p in match[2].split()]
                elif NOT_RUNNING.match(verdict.line):
                    verdict.running, verdict.pids = False, []
        return verdicts

    # -- processes -------------------------------------------------------------------
    def _main(self, name, procs, by_pid, verdict) -> ProcessInfo | None:
        """The service's main process: rc.d's pid, else as rc.subr finds it (procmatch)."""
        last = verdict or self._rc.get(name)
        if last is not None and last.running:
            for pid in last.pids:
                if pid in by_pid:
                    return by_pid[pid]
        return procmatch.main_process(procs, name, self._pidfile(name))

    def _pidfile(self, name: str) -> int | None:
        if name not in PIDFILES:
            return None
        try:
            text = self.host.read_text(PIDFILES[name]).split()
        except HostError:
            return None
        return int(text[0]) if text and text[0].isdigit() else None

    def _helpers(self, name: str, main: ProcessInfo, procs) -> list[ProcessInfo]:
        """Children of the main process (qmail-lspawn/rspawn/clean, the logger, the
        connections being served) and the loggers whose ``-t`` tag names the service."""
        return [
            p
            for p in procs
            if p.pid != main.pid
            and (p.ppid == main.pid or (procmatch.program(p) in LOGGERS and _tag(p) == name))
        ]

    def _refresh_listeners(self, mains, rc_check: bool, now: float) -> None:
        key = tuple(sorted((p.pid, p.create_time) for p in mains.values() if p))
        retry = now - self._listen_at >= LISTEN_RETRY_S and self._missing_listener(mains)
        if rc_check or key != self._listen_key or retry:
            self._listeners = self.host.listeners()
            self._listen_key, self._listen_at = key, now

    def _missing_listener(self, mains) -> bool:
        """Whether a running service other than qmail-send has no listening socket."""
        return any(
            p and name != "qmailsend" and not self._listen_of([p.pid]) for name, p in mains.items()
        )

    def _listen_of(self, pids) -> list[str]:
        return sorted({host_port(s.address, s.port) for s in self._listeners if s.pid in pids})

    def _service(self, name, main, procs, by_pid, knobs, now, interval) -> ServiceStatus:
        enabled = knobs.yes(name)
        verdict = self._rc.get(name)
        unsure, running = False, main is not None
        if (
            verdict is not None
            and verdict.disagree
            and verdict.main_then == (main.pid if main else None)
        ):
            assert verdict.running is not None  # it disagrees only when the output said
            unsure, running = True, verdict.running
        if main is not None:
            self._seen_running.add(name)
            self._stopped.discard(name)
        if unsure:
            state = "unsure"
        elif running:
            state = "running"
        elif (
            enabled
            and name not in self._stopped
            and (name in self._seen_running or self._pidfile_dead(name, by_pid))
        ):
            state = "crashed"
        else:
            state = "stopped"
        rc_line = verdict.line if verdict else ""
        if main is None:
            return ServiceStatus(name, enabled, running, state, [], None, 0.0, 0, [], "", rc_line)
        group = [main] + self._helpers(name, main, procs)
        pids = [p.pid for p in group]
        return ServiceStatus(
            name,
            enabled,
            running,
            state,
            pids,
            uptime_s=round(max(0.0, now - main.create_time), 1),
            cpu_percent=round(self._cpu_percent(group, main, now, interval), 1),
            rss_bytes=sum(p.rss_bytes for p in group),
            listen=self._listen_of(pids),
            user=main.user,
            rc_status=rc_line,
        )

    def _pidfile_dead(self, name: str, by_pid) -> bool:
        pid = self._pidfile(name)
        return pid is not None and pid not in by_pid

    def _cpu_percent(self, group, main, now, interval) -> float:
        if interval is None or interval <= 0:
            elapsed = now - main.create_time
            return 100.0 * sum(p.cpu_time for p in group) / elapsed if elapsed > 0 else 0.0
        used = sum(p.cpu_time - self._cpu.get((p.pid, p.create_time), 0.0) for p in group)
        return max(0.0, 100.0 * used / interval)

    # -- files -----------------------------------------------------------------------
    def _text(self, path: str) -> str:
        try:
            return self.host.read_text(path)
        except HostError:
            return ""

    def _queue(self, now: float) -> QueueStatus:
        """qmail-qstat's counts: files in mess/*/ and in todo/; the oldest by mtime.  A
        split directory whose mtime is unchanged (and was settled, 1 s old, when last
        listed) keeps its last listing, so an idle queue costs two directory scans."""
        try:
            splits = self.host.mtimes(f"{QUEUE}/mess")
        except HostError:
            splits = {}
        listed: dict[str, tuple[float, float, list[float]]] = {}
        for split, mtime in sorted(splits.items()):
            kept = self._splits.get(split)
            if kept is not None and kept[0] == mtime and mtime < kept[1] - 1.0:
                listed[split] = kept
                continue
            try:
                entries = self.host.mtimes(f"{QUEUE}/mess/{split}")
            except HostError:
                continue
            listed[split] = (mtime, now, [t for n, t in entries.items() if n.isdigit()])
        self._splits = listed
        times = [t for _, _, split_times in listed.values() for t in split_times]
        try:
            todo = sum(n.isdigit() for n in self.host.mtimes(f"{QUEUE}/todo"))
        except HostError:
            todo = 0
        oldest = round(max(0.0, now - min(times)), 1) if times else None
        return QueueStatus(len(times), todo, oldest)

    def _tail(self) -> list[str]:
        """The last lines of the mail log, reading only what was appended since."""
        try:
            if self._log_offset == 0:
                _, size = self.host.read_from(MAILLOG, 0, 0)
                self._seek(max(0, size - TAIL_BYTES))
            data, size = self.host.read_from(MAILLOG, self._log_offset, TAIL_BYTES)
            if size < self._log_offset:  # rotated or truncated
                self._log.clear()
                self._seek(max(0, size - TAIL_BYTES))
                data, size = self.host.read_from(MAILLOG, self._log_offset, TAIL_BYTES)
            elif size > self._log_offset + len(data):  # grew by more than we read
                self._seek(size - TAIL_BYTES)
                data, size = self.host.read_from(MAILLOG, self._log_offset, TAIL_BYTES)
        except HostError:
            self._log.clear()
            self._log_offset = 0
            return []
        if self._skip_partial:
            cut = data.find(b"\n")
            data = data[cut + 1 :] if cut >= 0 else b""
            self._log_offset += cut + 1 if cut >= 0 else 0
            self._skip_partial = cut < 0
        end = data.rfind(b"\n") + 1
        self._log.extend(data[:end].decode("utf-8", "replace").splitlines())
        self._log_offset += end
        return list(self._log)

    def _seek(self, offset: int) -> None:
        """Start reading at ``offset``; a line cut there is dropped."""
        self._log_offset = offset
        self._skip_partial = offset > 0
        if offset > 0:
            self._log.clear()


def _tag(proc: ProcessInfo) -> str:
    """The service a ``logger -t <tag>`` logs for: nbqmail/send, nbqmailsmtpd -> name."""
    args = list(proc.cmdline)
    for i, arg in enumerate(args):
        if arg == "-t" and i + 1 < len(args):
            tag = args[i + 1]
        elif arg.startswith("-t") and len(arg) > 2:
            tag = arg[2:]
        else:
            continue
        tag = tag.replace("/", "")
        return tag[2:] if tag.startswith("nb") else tag
    return ""
