"""qmail-local(8): deliver one message to a user's .qmail instructions.

Runs as the user (qmail-lspawn has switched ids).  :func:`deliver` returns
qmail-lspawn's report: ``K`` + ``did F+W+P`` on success, ``Z`` + text for a
temporary failure, ``D`` + text for a permanent one (dot-qmail(5) semantics:
comment-only file = nothing delivered, empty file = defaultdelivery, trailing
slash = maildir, ``&`` or alphanumeric = forward, ``|`` = program).
"""

from __future__ import annotations

import fcntl
import os
import socket
import subprocess
import time

from . import build, queue, srs

PERMANENT_EXITS = (64, 65, 70, 76, 77, 78, 100)


class Failure(Exception):
    def __init__(self, text: str, permanent: bool = False):
        super().__init__(text)
        self.permanent = permanent


class Delivery:
    """One local delivery: who, for which address, the message, and what happened."""

    def __init__(
        self,
        user: str,
        home: str,
        local: str,
        dash: str,
        ext: str,
        domain: str,
        sender: str,
        aliasempty: str,
        message: bytes,
    ) -> None:
        self.user, self.home, self.local, self.dash, self.ext = user, home, local, dash, ext
        self.domain, self.sender, self.aliasempty, self.message = (
            domain,
            sender,
            aliasempty,
            message,
        )
        self.counts = [0, 0, 0]
        self.forwards: list[str] = []
        self.default: str | None = None
        self.qp = 0

    @property
    def recipient(self) -> str:
        return f"{self.local}@{self.domain}"

    @property
    def dtline(self) -> bytes:
        return f"Delivered-To: {self.recipient}\n".encode()

    @property
    def rpline(self) -> bytes:
        return f"Return-Path: <{self.sender}>\n".encode()


def _qmail_file(d: Delivery) -> str | None:
    """The .qmail file that applies (with -default fallbacks), or None."""
    if not d.dash:
        return ".qmail" if os.path.exists(".qmail") else None
    ext = d.ext.lower().replace(".", ":")
    name = f".qmail{d.dash}{ext}"
    if os.path.exists(name):
        return name
    for i in range(len(ext), -1, -1):
        if i == 0 or ext[i - 1] == "-":
            candidate = f".qmail{d.dash}{ext[:i]}default"
            if os.path.exists(candidate):
                d.default = d.ext[i:]
                return candidate
    return None


def _maildir(d: Delivery, path: str) -> None:
    host = socket.gethostname().replace("/", "\\057").replace(":", "\\072")
    try:
        os.stat(os.path.join(path, "tmp"))
        os.stat(os.path.join(path, "new"))
    except OSError:
        raise Failure("Unable to chdir to maildir. (#4.2.1)") from None
    now = time.time()
    name = f"{int(now)}.M{int(now % 1 * 1e6)}P{os.getpid()}.{host}"
    tmp = os.path.join(path, "tmp", name)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError:
        raise Failure("Unable to open tmp/ file in maildir. (#4.2.1)") from None
    try:
        os.write(fd, d.rpline + d.dtline + d.message)
        os.fsync(fd)
    except OSError:
        os.close(fd)
        os.unlink(tmp)
        raise Failure("Unable to write maildir. (#4.3.0)") from None
    os.close(fd)
    try:
        os.link(tmp, os.path.join(path, "new", name))
    except OSError:
        os.unlink(tmp)
        raise Failure("Unable to link tmp/ file to new/ in maildir. (#4.2.1)") from None
    os.unlink(tmp)


def _mbox(d: Delivery, path: str) -> None:
    sender = d.sender or "MAILER-DAEMON"
    body = []
    for line in (d.rpline + d.dtline + d.message).split(b"\n"):
        stripped = line.lstrip(b">")
        body.append(b">" + line if stripped.startswith(b"From ") else line)
    text = b"\n".join(body)
    if not text.endswith(b"\n"):
        text += b"\n"
    stamp = time.strftime("%a %b %e %H:%M:%S %Y", time.gmtime())
    data = f"From {sender}  {stamp}\n".encode() + text + b"\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as exc:
        raise Failure(f"Unable to open {path}: {exc.strerror}. (#4.2.1)") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, data)
        os.fsync(fd)
    except OSError as exc:
        raise Failure(f"Unable to write {path}: {exc.strerror}. (#4.3.0)") from None
    finally:
        os.close(fd)


def _program(d: Delivery, command: str) -> bool:
    """Run ``command``; True means stop processing (exit 99)."""
    env = dict(os.environ)
    env.update(
        USER=d.user,
        HOME=d.home,
        LOCAL=d.local,
        HOST=d.domain,
        RECIPIENT=d.recipient,
        SENDER=d.sender,
        NEWSENDER=d.sender,
        DTLINE=d.dtline.decode(),
        RPLINE=d.rpline.decode(),
        UFLINE=f"From {d.sender or 'MAILER-DAEMON'}  {time.ctime()}\n",
        EXT=d.ext,
    )
    if d.default is not None:
        env["DEFAULT"] = d.default
    parts = d.ext.split("-")
    for n in range(2, 5):
        env[f"EXT{n}"] = "-".join(parts[n - 1 :]) if len(parts) >= n else ""
    run = subprocess.run(
        ["/bin/sh", "-c", command],
        check=False,
        input=d.dtline + d.message,
        capture_output=True,
        env=env,
        cwd=d.home,
    )
    output = (run.stdout + run.stderr).decode(errors="replace").strip()
    if run.returncode in (0, 99):
        return run.returncode == 99
    raise Failure(
        output or f"Program exited {run.returncode}.", permanent=run.returncode in PERMANENT_EXITS
    )


def _read_nonblocking(name: str) -> bytes:
    fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        return fh.read() or b""


def _instructions(d: Delivery) -> list[str]:
    name = _qmail_file(d)
    if name is None:
        if d.dash:
            raise Failure("Sorry, no mailbox here by that name. (#5.1.1)", permanent=True)
        return d.aliasempty.splitlines()
    st = os.stat(name)
    if st.st_mode & 0o002:
        raise Failure("Uh-oh: .qmail file is writable. (#4.7.0)")
    # qmail's open_read: O_RDONLY|O_NDELAY, so a FIFO reads as empty instead of blocking
    try:
        data = _read_nonblocking(name).decode(errors="replace")
    except BlockingIOError:
        data = ""
    if not data:
        return d.aliasempty.splitlines()
    return data.splitlines()


def _run(d: Delivery) -> None:
    try:
        st = os.stat(d.home)
    except OSError:
        raise Failure(f"Unable to switch to {d.home}: file does not exist. (#4.3.0)") from None
    if st.st_mode & 0o002:
        raise Failure("Uh-oh: home directory is writable. (#4.7.0)")
    if st.st_mode & 0o1000:
        raise Failure("Home directory is sticky: user is editing his .qmail file. (#4.2.1)")
    os.chdir(d.home)
    header = d.message.split(b"\n\n", 1)[0].splitlines()
    if d.dtline.rstrip(b"\n") in header:
        raise Failure(
            "This message is looping: it already has my Delivered-To line. (#5.4.6)", permanent=True
        )
    for raw in _instructions(d):
        line = raw.rstrip()
        if not line or line.startswith("#"):
            continue
        if line[0] in "./":
            if line.endswith("/"):
                _maildir(d, line)
            else:
                _mbox(d, line)
            d.counts[0] += 1
        elif line[0] == "|":
            d.counts[2] += 1
            if _program(d, line[1:]):
                break
        else:
            d.forwards.append(line[1:] if line[0] == "&" else line)
            d.counts[1] += 1
    if d.forwards:
        status, qp = queue.submit(d.dtline + d.message, _forward_sender(d.sender), d.forwards)
        if status:
            text = queue.qq_text(status)
            raise Failure(f"Unable to forward message: {text[1:]}", permanent=text[0] == "D")
        d.qp = qp


def _forward_sender(sender: str) -> str:
    """The forwards' envelope sender: SRS-rewritten by a qmail-srs build (its qmail-local)."""
    if not build.has("qmail-srs"):
        return sender
    code, value = srs.srsforward(sender)
    if code == -3:
        raise Failure(f"{value} (#4.3.0)")
    if code == -1:
        raise Failure("Unable to read controls (#4.3.0)")
    return value if code == 1 and value else sender


def deliver(d: Delivery) -> str:
    """The report qmail-lspawn passes back to qmail-send."""
    try:
        _run(d)
    except Failure as exc:
        return ("D" if exc.permanent else "Z") + str(exc)
    f, w, p = d.counts
    return f"Kdid {f}+{w}+{p}\n" + (f"qp {d.qp}\n" if d.qp else "")
