"""The qmail queue (qmail-queue(8), qmail-send's layout, conf-split 23).

Message numbers are inode numbers of the files in ``mess/``.  Owners and modes
are those of qmail's hier.c: ``mess``, ``intd``, ``todo``, ``pid``, ``lock``
belong to the queue user; ``info``, ``local``, ``remote``, ``bounce`` to the
send user; ``lock/trigger`` is a fifo qmail-send listens on.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import time

from . import accounts
from .control import QMAILDIR

QUEUE = os.path.join(QMAILDIR, "queue")
SPLIT = 23

#: Exit codes of qmail-queue(8).
EXIT_OK = 0
EXIT_TOOLONG = 11
EXIT_NOMEM = 51
EXIT_TIMEOUT = 52
EXIT_WRITE = 53
EXIT_READ = 54
EXIT_CONFIG = 55
EXIT_QUEUE = 62
EXIT_BUG = 81
EXIT_ENVELOPE = 91

#: qmail's qmail_close(): qmail-queue exit code -> reply text (first letter Z temp, D perm).
QQ_TEXT = {
    11: "Denvelope address too long for qq (#5.1.3)",
    31: "Dmail server permanently rejected message (#5.3.0)",
    51: "Zqq out of memory (#4.3.0)",
    52: "Zqq timeout (#4.3.0)",
    53: "Zqq write error or disk full (#4.3.0)",
    54: "Zqq read error (#4.3.0)",
    55: "Zqq unable to read configuration (#4.3.0)",
    56: "Zqq trouble making network connection (#4.3.0)",
    61: "Zqq trouble in home directory (#4.3.0)",
    62: "Zqq trouble creating files in queue (#4.3.0)",
    63: "Zqq trouble creating files in queue (#4.3.0)",
    64: "Zqq trouble creating files in queue (#4.3.0)",
    65: "Zqq trouble creating files in queue (#4.3.0)",
    66: "Zqq trouble creating files in queue (#4.3.0)",
    71: "Zmail server temporarily rejected message (#4.3.0)",
    72: "Zconnection to mail server timed out (#4.4.1)",
    73: "Zconnection to mail server rejected (#4.4.1)",
    74: "Zcommunication with mail server failed (#4.4.2)",
    81: "Zqq internal bug (#4.3.0)",
    91: "Zqq internal bug (#4.3.0)",
    115: "Denvelope address too long for qq (#5.1.3)",
    120: "Zunable to exec qq (#4.3.0)",
}


def qq_text(code: int) -> str:
    """qmail_close()'s text for a qmail-queue exit status ('' on success)."""
    if code == 0:
        return ""
    if code in QQ_TEXT:
        return QQ_TEXT[code]
    if 11 <= code <= 40:
        return "Dqq permanent problem (#5.3.0)"
    return "Zqq temporary problem (#4.3.0)"


def q(*parts) -> str:
    return os.path.join(QUEUE, *[str(p) for p in parts])


def split_path(kind: str, num: int) -> str:
    return q(kind, num % SPLIT, num)


def create(queue: str | None = None) -> None:
    """Make an empty queue with qmail's owners and modes (as qmail's install does)."""
    base = os.path.realpath(queue or QUEUE)
    uq, us, ur = (
        accounts.uid(v) for v in ("QMAIL_QUEUE_USER", "QMAIL_SEND_USER", "QMAIL_REMOTE_USER")
    )
    gq = accounts.gid("QMAIL_QMAIL_GROUP")

    def mk(rel, uid, mode, split=False):
        path = os.path.join(base, rel) if rel else base
        os.makedirs(path, exist_ok=True)
        os.chown(path, uid, gq)
        os.chmod(path, mode)
        if split:
            for i in range(SPLIT):
                mk(os.path.join(rel, str(i)), uid, mode)

    mk("", uq, 0o750)
    for rel, uid, mode, split in (
        ("pid", uq, 0o700, False),
        ("intd", uq, 0o700, False),
        ("todo", uq, 0o750, False),
        ("bounce", us, 0o700, False),
        ("mess", uq, 0o750, True),
        ("info", us, 0o700, True),
        ("local", us, 0o700, True),
        ("remote", us, 0o700, True),
        ("lock", uq, 0o750, False),
    ):
        mk(rel, uid, mode, split)
    lock = os.path.join(base, "lock")
    for name, uid, mode, size in (("tcpto", ur, 0o644, 1024), ("sendmutex", us, 0o600, 0)):
        path = os.path.join(lock, name)
        if not os.path.exists(path):
            with open(path, "wb") as fh:
                fh.write(b"\0" * size)
        os.chown(path, uid, gq)
        os.chmod(path, mode)
    trigger = os.path.join(lock, "trigger")
    if not os.path.exists(trigger):
        os.mkfifo(trigger)
    os.chown(trigger, us, gq)
    os.chmod(trigger, 0o622)


def pull_trigger() -> None:
    """Wake qmail-send (a byte into lock/trigger, never blocking)."""
    try:
        fd = os.open(q("lock", "trigger"), os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return
    try:
        os.write(fd, b"\0")
    except OSError:
        pass
    finally:
        os.close(fd)


def date822(when: float | None = None) -> str:
    """qmail's date822fmt: ``1 Jan 2024 12:00:00 -0000`` (UTC)."""
    t = time.gmtime(when)
    return f"{t.tm_mday} {time.strftime('%b %Y %H:%M:%S', t)} -0000"


def parse_envelope(data: bytes) -> tuple[bytes, list[bytes]] | None:
    """``F<sender>\\0T<rcpt>\\0...\\0`` -> (sender, recipients); None when malformed."""
    if not data.startswith(b"F") or not data.endswith(b"\0\0"):
        return None
    fields = data[:-1].split(b"\0")[:-1]
    sender = fields[0][1:]
    recipients = []
    for field in fields[1:]:
        if not field.startswith(b"T"):
            return None
        recipients.append(field[1:])
    return sender, recipients


def enqueue(message: bytes, envelope: bytes, caller_uid: int, received: bytes) -> int:
    """Put one message into the queue (running as the queue user); the qmail-queue exit code."""
    parsed = parse_envelope(envelope)
    if parsed is None:
        return EXIT_ENVELOPE
    if any(len(a) > 1000 for a in [parsed[0], *parsed[1]]):
        return EXIT_TOOLONG
    pid = os.getpid()
    pidfn = q("pid", f"{pid}")
    try:
        fd = os.open(pidfn, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        os.unlink(pidfn)
        fd = os.open(pidfn, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError:
        return EXIT_QUEUE
    num = os.fstat(fd).st_ino
    messfn = split_path("mess", num)
    try:
        os.link(pidfn, messfn)
    except OSError:
        os.close(fd)
        os.unlink(pidfn)
        return EXIT_QUEUE
    os.unlink(pidfn)
    try:
        os.write(fd, received + message)
        os.fsync(fd)
    except OSError:
        os.close(fd)
        os.unlink(messfn)
        return EXIT_WRITE
    os.close(fd)
    intdfn = q("intd", num)
    try:
        with open(intdfn, "xb") as fh:
            fh.write(b"u%d\0p%d\0" % (caller_uid, pid) + envelope)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(intdfn, 0o644)
        os.link(intdfn, q("todo", num))
    except OSError:
        for path in (intdfn, messfn):
            try:
                os.unlink(path)
            except OSError:
                pass
        return EXIT_QUEUE
    pull_trigger()
    return EXIT_OK


def received_line(caller_uid: int, pid: int) -> bytes:
    """qmail-queue's own Received: line."""
    names = accounts.names()

    def uid_of(var):
        try:
            return pwd.getpwnam(names[var]).pw_uid
        except KeyError:
            return None

    if caller_uid == uid_of("QMAIL_ALIAS_USER"):
        how = "invoked by alias"
    elif caller_uid == uid_of("QMAIL_DAEMON_USER"):
        how = "invoked from network"
    elif caller_uid == uid_of("QMAIL_SEND_USER"):
        how = "invoked for bounce"
    else:
        how = f"invoked by uid {caller_uid}"
    return f"Received: (qmail {pid} {how}); {date822()}\n".encode()


def messages() -> list[int]:
    """Message numbers in mess/ (what qmail-qstat counts)."""
    found = []
    for i in range(SPLIT):
        try:
            found += [int(n) for n in os.listdir(q("mess", i)) if n.isdigit()]
        except FileNotFoundError:
            continue
    return sorted(found)


def todo() -> list[int]:
    try:
        return sorted(int(n) for n in os.listdir(q("todo")) if n.isdigit())
    except FileNotFoundError:
        return []


class QQ:
    """qmail_open()/qmail_put()/qmail_close(): a running $QMAILQUEUE or qmail-queue."""

    def __init__(self):
        program = os.environ.get("QMAILQUEUE") or os.path.join(QMAILDIR, "bin", "qmail-queue")
        msg_r, self.msg_w = os.pipe()
        env_r, self.env_w = os.pipe()
        try:
            self.child = subprocess.Popen([program], stdin=msg_r, stdout=env_r, close_fds=True)
        except OSError:
            os.close(self.msg_w)
            os.close(self.env_w)
            raise
        finally:
            os.close(msg_r)
            os.close(env_r)
        self.pid = self.child.pid
        self.failed = False

    def put(self, data: bytes) -> None:
        if self.failed:
            return
        try:
            _write_all(self.msg_w, data)
        except OSError:
            self.failed = True

    def fail(self) -> None:
        self.failed = True

    def close(self, sender: str, recipients: list[str]) -> int:
        """Envelope, then the exit status (54 if writing failed, like flagerr)."""
        os.close(self.msg_w)
        envelope = b"F" + sender.encode() + b"\0"
        envelope += b"".join(b"T" + r.encode() + b"\0" for r in recipients) + b"\0"
        if self.failed:
            envelope = b""
        try:
            _write_all(self.env_w, envelope)
        except OSError:
            self.failed = True
        os.close(self.env_w)
        status = self.child.wait()
        if status < 0:
            return 81
        return 54 if (status == 0 and self.failed) else status


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def submit(message: bytes, sender: str, recipients: list[str]) -> tuple[int, int]:
    """Queue one message: (qmail-queue exit status, its pid); 120 if it cannot run."""
    try:
        qq = QQ()
    except OSError:
        return 120, 0
    qq.put(message)
    return qq.close(sender, recipients), qq.pid
