"""qmail-send(8): preprocess the queue, schedule deliveries, bounce, log.

Runs as the send user with the descriptors qmail-start gives it: 0 log,
1/2 to/from qmail-lspawn, 3/4 to/from qmail-rspawn, 5/6 to/from qmail-clean.
Helpers speak one JSON object per line (simplified internals).  Log lines
follow qmail-log(5): ``new msg``, ``info msg``, ``starting delivery``,
``delivery N: success|failure|deferral``, ``bounce msg``, ``end msg``, ``status``.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import time

from .. import layout
from . import build, control, queue, srs

RESCAN = 1.0  # seconds between todo/ scans without a trigger
LOCAL_RETRY = 100.0  # first local retry, seconds (scaled by pace, grows with tries^2)
REMOTE_RETRY = 400.0
DOUBLE_BOUNCE_SENDER = "#@[]"


def logsafe(text: str) -> str:
    """qmail-1.03 qsutil.c logsafe(): per byte, newline becomes ``/``; a byte below 33,
    above 126 (a signed char there) or ``%`` becomes ``_``."""
    out = []
    for byte in text.encode("utf-8", "surrogateescape"):
        if byte == 10:
            out.append("/")
        elif byte < 33 or byte > 126 or byte == 37:
            out.append("_")
        else:
            out.append(chr(byte))
    return "".join(out)


class Job:
    """One queued message: its recipients per channel (recipient -> done?), the tries
    and next try per recipient, and the recipients being delivered now."""

    def __init__(self, num: int, sender: str, birth: float) -> None:
        self.num, self.sender, self.birth = num, sender, birth
        self.recipients: dict[str, dict[str, bool]] = {"local": {}, "remote": {}}
        self.tries: dict[str, int] = {}
        self.next_try: dict[str, float] = {}
        self.active: set[str] = set()

    def pending(self, channel: str) -> list[str]:
        return [
            r for r, done in self.recipients[channel].items() if not done and r not in self.active
        ]

    def finished(self) -> bool:
        return not self.active and all(all(v.values()) for v in self.recipients.values())


class Spawn:
    """One delivery channel (qmail-lspawn or qmail-rspawn)."""

    def __init__(self, name: str, wfd: int, rfd: int, limit: int):
        self.name, self.wfd, self.rfd, self.limit = name, wfd, rfd, limit
        self.active: dict[int, tuple[Job, str]] = {}
        self.buffer = b""


class Sender:
    def __init__(self):
        self.log_fd = os.dup(0)
        self.lspawn = Spawn("local", os.dup(1), os.dup(2), 10)
        self.rspawn = Spawn("remote", os.dup(3), os.dup(4), 20)
        self.clean_w, self.clean_r = os.dup(5), os.dup(6)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in range(7):
            os.dup2(null, fd)
        os.close(null)
        self.jobs: dict[int, Job] = {}
        self.delnum = 0
        self.exiting = False
        self.flags: set[str] = set()
        self.pace = layout.pace()
        self.read_config()

    # -- configuration and logging -------------------------------------------------
    def read_config(self) -> None:
        self.me = control.me() or "me"
        self.locals = control.locals_()
        self.virtual = control.virtualdomains()
        self.envnoathost = control.with_me("envnoathost", "envnoathost") or "envnoathost"
        self.lspawn.limit = min(control.readint("concurrencylocal", 10), 120)
        self.rspawn.limit = min(control.readint("concurrencyremote", 20), 120)
        self.lifetime = control.readint("queuelifetime", 604800)
        self.srs_domain = srs.domain() if build.has("qmail-srs") else None

    def log(self, line: str) -> None:
        try:
            os.write(self.log_fd, (line + "\n").encode(errors="replace"))
        except OSError:
            pass

    def status(self) -> None:
        self.log(
            f"status: local {len(self.lspawn.active)}/{self.lspawn.limit} "
            f"remote {len(self.rspawn.active)}/{self.rspawn.limit}"
        )

    # -- queue files -----------------------------------------------------------------
    def channel_of(self, address: str) -> tuple[str, str]:
        """qmail-send's rewrite: locals, then virtualdomains (user@dom, dom, .suffix, "")."""
        local, at, domain = address.rpartition("@")
        if not at:
            local, domain = address, self.envnoathost
        domain = domain.lower()
        if domain in self.locals:
            return "local", f"{local}@{domain}"
        keys = [f"{local}@{domain}".lower(), domain]
        keys += [domain[i:] for i in range(len(domain)) if domain[i] == "."] + [""]
        for key in keys:
            if key in self.virtual:
                prefix = self.virtual[key]
                if prefix:
                    return "local", f"{prefix}-{local}@{domain}"
                break
        return "remote", f"{local}@{domain}"

    def clean(self, op: str, num: int) -> None:
        try:
            os.write(self.clean_w, (json.dumps({"op": op, "n": num}) + "\n").encode())
            os.read(self.clean_r, 64)
        except OSError:
            pass

    def write_channel_file(self, job: Job, channel: str) -> None:
        path = queue.split_path(channel, job.num)
        entries = job.recipients[channel]
        if not entries:
            if os.path.exists(path):
                os.unlink(path)
            return
        data = b"".join(
            (b"D" if done else b"T") + r.encode() + b"\0" for r, done in entries.items()
        )
        tmp = path + ".tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.rename(tmp, path)

    def preprocess(self, num: int) -> None:
        try:
            with open(queue.q("todo", num), "rb") as fh:
                data = fh.read()
        except OSError:
            return
        fields = data.split(b"\0")
        uid = pid = "?"
        sender, recipients = "", []
        for f in fields:
            text = f[1:].decode(errors="replace")
            if f[:1] == b"u":
                uid = text
            elif f[:1] == b"p":
                pid = text
            elif f[:1] == b"F":
                sender = text
            elif f[:1] == b"T":
                recipients.append(text)
        try:
            size = os.stat(queue.split_path("mess", num)).st_size
        except OSError:
            self.clean("todo", num)
            return
        job = Job(num, sender, time.time())
        for rcpt in recipients:
            channel, address = self.channel_of(rcpt)
            job.recipients[channel][address] = False
        with open(queue.split_path("info", num), "wb") as fh:
            fh.write(b"F" + sender.encode() + b"\0")
        for channel in ("local", "remote"):
            self.write_channel_file(job, channel)
        self.clean("todo", num)
        self.log(f"new msg {num}")
        self.log(f"info msg {num}: bytes {size} from <{logsafe(sender)}> qp {pid} uid {uid}")
        self.jobs[num] = job

    def load_existing(self) -> None:
        for i in range(queue.SPLIT):
            try:
                names = os.listdir(queue.q("info", i))
            except OSError:
                continue
            for name in names:
                if not name.isdigit():
                    continue
                num = int(name)
                try:
                    with open(queue.split_path("info", num), "rb") as fh:
                        sender = fh.read()[1:].split(b"\0")[0].decode(errors="replace")
                    birth = os.stat(queue.split_path("info", num)).st_mtime
                except OSError:
                    continue
                job = Job(num, sender, birth)
                for channel in ("local", "remote"):
                    try:
                        with open(queue.split_path(channel, num), "rb") as fh:
                            raw = fh.read()
                    except FileNotFoundError:
                        continue
                    for entry in raw.split(b"\0"):
                        if entry[:1] in (b"T", b"D"):
                            job.recipients[channel][entry[1:].decode()] = entry[:1] == b"D"
                self.jobs[num] = job

    def scan_todo(self) -> None:
        for num in queue.todo():
            if num not in self.jobs:
                self.preprocess(num)

    # -- deliveries -----------------------------------------------------------------------
    def start_deliveries(self) -> None:
        if self.exiting:
            return
        now = time.time()
        for job in list(self.jobs.values()):
            for spawn in (self.lspawn, self.rspawn):
                for rcpt in job.pending(spawn.name):
                    if len(spawn.active) >= spawn.limit:
                        break
                    if job.next_try.get(rcpt, 0) > now:
                        continue
                    job.next_try.pop(rcpt, None)
                    self.delnum += 1
                    spawn.active[self.delnum] = (job, rcpt)
                    job.active.add(rcpt)
                    self.log(
                        f"starting delivery {self.delnum}: msg {job.num} "
                        f"to {spawn.name} {logsafe(rcpt)}"
                    )
                    self.status()
                    request = {"d": self.delnum, "n": job.num, "s": job.sender, "r": rcpt}
                    try:
                        os.write(spawn.wfd, (json.dumps(request) + "\n").encode())
                    except OSError:
                        self.finish_delivery(spawn, self.delnum, "ZUnable to run qmail-local.\n")

    def finish_delivery(self, spawn: Spawn, delnum: int, report: str) -> None:
        job, rcpt = spawn.active.pop(delnum)
        job.active.discard(rcpt)
        kind, text = report[:1], report[1:]
        if not text.endswith("\n"):
            text += "\n"
        if kind == "Z" and time.time() - job.birth > self.lifetime:
            kind = "D"
            text += "I'm not going to try again; this message has been in the queue too long.\n"
        if kind == "K":
            self.log(f"delivery {delnum}: success: {logsafe(text)}")
            job.recipients[spawn.name][rcpt] = True
        elif kind == "D":
            self.log(f"delivery {delnum}: failure: {logsafe(text)}")
            job.recipients[spawn.name][rcpt] = True
            with open(queue.q("bounce", job.num), "a") as fh:
                fh.write(f"<{rcpt}>:\n{text}\n")
        else:
            self.log(f"delivery {delnum}: deferral: {logsafe(text)}")
            tries = job.tries.get(rcpt, 0) + 1
            job.tries[rcpt] = tries
            base = LOCAL_RETRY if spawn.name == "local" else REMOTE_RETRY
            job.next_try[rcpt] = time.time() + base * self.pace * tries * tries
        self.status()
        self.write_channel_file(job, spawn.name)
        if job.finished():
            self.end(job)

    def bounce(self, job: Job) -> bool:
        path = queue.q("bounce", job.num)
        try:
            with open(path) as fh:
                failures = fh.read()
        except FileNotFoundError:
            return True
        if job.sender == DOUBLE_BOUNCE_SENDER:
            self.log(f"triple bounce: discarding bounce/{job.num}")
            os.unlink(path)
            return True
        try:
            with open(queue.split_path("mess", job.num), "rb") as fh:
                original = fh.read()
        except OSError:
            original = b""
        bouncehost = control.with_me("bouncehost", self.me)
        if job.sender:
            to, sender = self.unsrs(job.sender), ""
            intro = (
                "I'm afraid I wasn't able to deliver your message to the following "
                "addresses.\nThis is a permanent error; I've given up. Sorry it didn't "
                "work out.\n"
            )
            below = "--- Below this line is a copy of the message.\n"
        else:
            to = (
                (control.readline("doublebounceto") or "postmaster")
                + "@"
                + (control.with_me("doublebouncehost", self.me) or self.me)
            )
            sender = DOUBLE_BOUNCE_SENDER
            intro = "I tried to deliver a bounce message to this address, but the bounce bounced!\n"
            below = "--- Below this line is the original bounce.\n"
        bouncefrom = control.readline("bouncefrom") or "MAILER-DAEMON"
        text = (
            f"Date: {queue.date822()}\nFrom: {bouncefrom}@{bouncehost}\nTo: {to}\n"
            f"Subject: failure notice\n\nHi. This is the qmail-send program at {self.me}.\n"
            f"{intro}\n{failures}{below}\n"
        )
        status, qp = queue.submit(text.encode() + original, sender, [to])
        if status:
            self.log("warning: trouble injecting bounce message, will try later")
            return False
        self.log(f"bounce msg {job.num} qp {qp}")
        os.unlink(path)
        return True

    def unsrs(self, sender: str) -> str:
        """qmail-srs: a bounce to an address at srs_domain goes to its original sender;
        an SRS error or unreadable controls end qmail-send (exit 111), as the patch does."""
        _, at, domain = sender.rpartition("@")
        if not (self.srs_domain and at and domain == self.srs_domain):
            return sender
        code, value = srs.srsreverse(sender)
        if code == -3:
            self.log(value or "")
            os._exit(111)
        if code == -1:
            self.log("alert: unable to read controls")
            os._exit(111)
        return value if code == 1 and value else sender

    def end(self, job: Job) -> None:
        if not self.bounce(job):
            return
        for channel in ("info", "local", "remote"):
            try:
                os.unlink(queue.split_path(channel, job.num))
            except FileNotFoundError:
                pass
        self.clean("mess", job.num)
        self.log(f"end msg {job.num}")
        del self.jobs[job.num]

    def read_reports(self, spawn: Spawn) -> None:
        data = os.read(spawn.rfd, 65536)
        if not data:
            self.exiting = True
            return
        spawn.buffer += data
        while b"\n" in spawn.buffer:
            line, spawn.buffer = spawn.buffer.split(b"\n", 1)
            try:
                reply = json.loads(line)
            except ValueError:
                continue
            if reply.get("d") in spawn.active:
                self.finish_delivery(spawn, reply["d"], reply.get("report", "Z"))

    # -- main loop ----------------------------------------------------------------------
    def open_trigger(self) -> int | None:
        try:
            return os.open(queue.q("lock", "trigger"), os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            return None

    def next_timeout(self) -> float:
        waits = [RESCAN]
        now = time.time()
        for job in self.jobs.values():
            waits += [when - now for when in job.next_try.values() if when > now]
        return min(waits)

    def run(self) -> int:
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        for sig, flag in (
            (signal.SIGHUP, "hup"),
            (signal.SIGALRM, "alrm"),
            (signal.SIGTERM, "term"),
        ):
            signal.signal(sig, lambda *_a, f=flag: self.flags.add(f))
        sel = selectors.DefaultSelector()
        sel.register(wake_r, selectors.EVENT_READ, "wake")
        sel.register(self.lspawn.rfd, selectors.EVENT_READ, self.lspawn)
        sel.register(self.rspawn.rfd, selectors.EVENT_READ, self.rspawn)
        trigger = self.open_trigger()
        if trigger is not None:
            sel.register(trigger, selectors.EVENT_READ, "trigger")
        self.status()
        self.scan_todo()
        self.load_existing()
        last_scan = time.monotonic()
        while True:
            self.start_deliveries()
            if self.exiting and not self.lspawn.active and not self.rspawn.active:
                break
            for key, _ in sel.select(self.next_timeout()):
                if key.data == "wake":
                    os.read(wake_r, 512)
                elif key.data == "trigger" and trigger is not None:
                    sel.unregister(trigger)
                    os.close(trigger)
                    trigger = self.open_trigger()
                    if trigger is not None:
                        sel.register(trigger, selectors.EVENT_READ, "trigger")
                    self.scan_todo()
                else:
                    self.read_reports(key.data)
            if "hup" in self.flags:
                self.read_config()
            if "alrm" in self.flags:
                for job in self.jobs.values():
                    job.next_try.clear()
            if "term" in self.flags:
                self.exiting = True
            self.flags.clear()
            if time.monotonic() - last_scan >= RESCAN:
                self.scan_todo()
                last_scan = time.monotonic()
        self.log("status: exiting")
        return 0
