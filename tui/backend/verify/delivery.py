"""verify's test delivery: where mail to a recipient ends (read by the safe rules),
a uniquely marked message injected, and its way followed in the maillog."""

from __future__ import annotations

import posixpath
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from ..facts import ALIAS_DIR, CONTROL, MAILLOG, QMAILDIR
from ..files import alias, control
from ..hosts import Host, HostError
from ..hosts.safefile import Refused
from ..hoststate import HostState
from ..probe import probe
from .config import control_me

INJECT = ("/usr/pkg/bin/qmail-inject", f"{QMAILDIR}/bin/qmail-inject")
#: the header that marks verify's test messages (its value: the verify run's id)
MARK = "X-qmail-wizard-verify"


@dataclass
class _Box:
    kind: str  # "maildir" or "mbox"
    path: str
    user: str  # who owns it (for the fix)


@dataclass
class Delivery:
    ok: bool
    recipient: str
    target: str  # where the alias/user resolves to (Maildir or mbox paths)
    path: str  # the delivered file ("" when it did not arrive)
    seconds: float
    detail: str
    fix: str = ""
    box: _Box | None = None  # the mailbox it landed in


#: the most of an mbox the check reads (it is read whole, safely, on each look)
MBOX_LIMIT = 8 << 20


@dataclass
class _Route:
    """Where local delivery to a recipient ends, as far as it can be read safely."""

    boxes: list
    notes: list  # discards, remote forwards, programs, what was not read
    #: (file, why, user, what to do): .qmail files not read and paths not suggested
    problems: list


def _read(host: Host, path: str, owner: str | None) -> tuple[str | None, str]:
    """(text, "") of a .qmail in a directory its user controls, read by the safe rules
    (owned by ``owner`` when given, one link, no link followed, no FIFO opened);
    (None, why) when it was refused, (None, "") when it does not exist."""
    try:
        return host.read_user_file(path, owner=owner).decode("utf-8", "replace"), ""
    except Refused as exc:
        return None, str(exc)
    except HostError as exc:
        return None, "" if "No such file" in str(exc) or "does not exist" in str(exc) else str(exc)


def _inside(path: str, home: str) -> bool:
    return posixpath.normpath(path).startswith(home.rstrip("/") + "/")


def resolve(host: Host, state: HostState, recipient: str, depth: int = 0) -> _Route:
    """The mailboxes local delivery to ``recipient`` ends in (following ``&user``
    forwards), and notes on what leaves them (discards, remote forwards, programs)."""
    local, _at, domain = recipient.rpartition("@") if "@" in recipient else (recipient, "", "")
    locals_ = control.lines(state.text(f"{CONTROL}/locals") or "") + [control_me(state)]
    if domain and domain.lower() not in [d.lower() for d in locals_]:
        return _Route([], [f"forwarded to {recipient}, off this host"], [])
    local = local.lower()
    users = state.users()
    alias_user = state.build_info.get("qmail", {}).get("QMAIL_ALIAS_USER", "alias")
    if local in users and users[local][0] != 0:
        home, who = users[local][2], local
        where = f"{home}/.qmail"
        text, why = _read(host, where, who)
    else:
        home, who = users.get(alias_user, (0, 0, f"{QMAILDIR}/alias"))[2], alias_user
        where = f"{home}/.qmail-{local.replace('.', ':')}"
        text, why = _read(host, where, None)
        if text is None and not why:
            where = f"{home}/.qmail-default"
            text, why = _read(host, where, None)
        if text is None and not why:
            return _Route([], [f"{local} is neither a user nor an alias: the message bounces"], [])
    if why:
        return _Route(
            [],
            [f"{why}, so where mail to {local} goes is not known"],
            [
                (
                    where,
                    why,
                    who,
                    f"make {where} a regular file of {who}'s (no "
                    "symbolic link, FIFO or hard link), or remove it",
                )
            ],
        )
    if not text:
        text = control.value(state.text(f"{CONTROL}/defaultdelivery") or "") + "\n"
    targets = alias.targets(text)
    if not targets:
        return _Route([], [f"{where} has no delivery line: qmail throws the message away"], [])
    route = _Route([], [], [])
    for target in targets:
        if target.kind in ("maildir", "mbox"):
            path = (
                target.value
                if target.value.startswith("/")
                else f"{home.rstrip('/')}/{target.value.removeprefix('./')}"
            )
            path = path.rstrip("/") if target.kind == "maildir" else path
            if _inside(path, home):
                route.boxes.append(_Box(target.kind, path, who))
            else:  # never looked into, nor suggested: it is not the user's to name
                route.notes.append(
                    f"{where} delivers to {path}, outside {who}'s home {home}: not checked"
                )
                route.problems.append(
                    (
                        where,
                        f"{where} names {path}, outside {home}",
                        who,
                        f"correct that line of {where} (a Maildir or mbox in {home})",
                    )
                )
        elif target.kind == "forward" and depth < 5:
            more = resolve(host, state, target.value, depth + 1)
            route.boxes += more.boxes
            route.notes += more.notes
            route.problems += more.problems
        else:
            route.notes.append(
                f"{where} pipes it to {target.value}"
                if target.kind == "program"
                else f"{where} forwards too deep"
            )
    return route


class Chain:
    """The maillog lines of one test message and the forwards it caused (all carry its
    unique envelope sender, or its local part inside an SRS0 sender)."""

    INFO = re.compile(r"info msg (\d+): bytes \d+ from <([^>]*)>")
    START = re.compile(r"starting delivery (\d+): msg (\d+) to")
    END = re.compile(r"delivery (\d+): (success|failure|deferral): (.*)")
    DID = re.compile(r"did_\d+\+(\d+)\+")

    def __init__(self, sender: str):
        self.sender = sender
        self.srs = "=" + sender.rpartition("@")[0] + "@"  # in SRS0=HHHH=TT=domain=LOCAL@
        self.msgs: dict[str, bool] = {}  # msg -> a delivery started
        self.open: set[str] = set()  # delivery numbers without an outcome
        self.outcomes: list[str] = []
        self.lines: list[str] = []
        self.forwards = 0  # messages its deliveries forwarded (did_L+F+P), each logged anew

    def feed(self, text: str) -> None:
        for line in text.splitlines():
            info, start, end = (
                self.INFO.search(line),
                self.START.search(line),
                self.END.search(line),
            )
            if info and (info.group(2) == self.sender or self.srs in info.group(2)):
                self.msgs[info.group(1)] = False
            elif start and start.group(2) in self.msgs:
                self.msgs[start.group(2)] = True
                self.open.add(start.group(1))
            elif end and end.group(1) in self.open:
                self.open.discard(end.group(1))
                self.outcomes.append(end.group(2))
                did = self.DID.search(end.group(3))
                self.forwards += int(did.group(1)) if did else 0
            else:
                continue
            self.lines.append(line.split(": ", 1)[-1] if ": " in line else line)

    @property
    def settled(self) -> bool:
        """Every delivery of the message and of its forwards ended (a deferral retries
        only minutes later)."""
        return len(self.msgs) > self.forwards and all(self.msgs.values()) and not self.open


def _new_files(host: Host, boxes: list[_Box], before: dict[str, Any], token: str) -> str | None:
    for box in boxes:
        try:
            if box.kind == "maildir":
                for name in host.listdir(f"{box.path}/new"):
                    if name not in before[box.path]:
                        path = f"{box.path}/new/{name}"
                        if token.encode() in host.read_user_file(path, owner=box.user):
                            return path
            else:
                data = host.read_user_file(box.path, owner=box.user, limit=MBOX_LIMIT)
                if token.encode() in data[before[box.path] :]:
                    return box.path
        except HostError:
            continue
    return None


def _snapshot(host: Host, box: _Box):
    try:
        if box.kind == "maildir":
            return set(host.listdir(f"{box.path}/new"))
        return len(host.read_user_file(box.path, owner=box.user, limit=MBOX_LIMIT))
    except HostError:
        return set() if box.kind == "maildir" else 0


def run_id() -> str:
    """One verify run's id, in the X-qmail-wizard-verify header of its test messages."""
    return time.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


def send_test_message(
    host: Host,
    recipient: str = "postmaster",
    timeout: float = 10.0,
    state: HostState | None = None,
    cancel: threading.Event | None = None,
    run: str = "",
    sender_domain: str = "",
) -> Delivery:
    """Inject a uniquely marked message for ``recipient`` (header ``MARK: run``, a
    Subject naming qmail-wizard; the envelope sender is at ``sender_domain``, control/me
    by default) and wait up to ``timeout`` seconds until it lands in a mailbox the
    recipient resolves to (polling, never sleeping longer than needed); say where, or
    what the maillog says about it.  ``remove_test_message`` takes it away again."""
    state = state or probe(host)
    route = resolve(host, state, recipient)
    boxes, notes = route.boxes, route.notes
    target = ", ".join(b.path for b in boxes) or "; ".join(notes)
    token, run = secrets.token_hex(8), run or run_id()
    me = control_me(state) or state.hostname
    sender = f"qmail-wizard-verify-{token}@{sender_domain or me}"
    message = (
        f"From: qmail-wizard <{sender}>\nTo: {recipient}\n"
        f"Subject: qmail-wizard verify test message {token}\n"
        f"{MARK}: {run}\n"
        f"Message-ID: <{token}.qmail-wizard@{me}>\n\n"
        f"qmail-wizard verify sent this to check delivery ({token}); it removes it\n"
        "again unless run with --keep-test-message.\n"
    )
    inject = next((path for path in INJECT if host.exists(path)), INJECT[0])
    before = {box.path: _snapshot(host, box) for box in boxes}
    try:
        offset = host.stat(MAILLOG).size
    except HostError:
        offset = 0
    started = time.monotonic()
    sent = host.run([inject, "-f", sender, recipient], input=message, timeout=30)
    if sent.rc != 0:
        return Delivery(
            False,
            recipient,
            target,
            "",
            0.0,
            f"{inject} exited with status {sent.rc}: {(sent.stderr or sent.stdout).strip()}",
            "read /var/log/maillog and check the queue with qmail-qstat",
        )
    chain, delay = Chain(sender), 0.01
    while True:
        data, size = host.read_from(MAILLOG, offset) if host.exists(MAILLOG) else (b"", 0)
        offset = size if size >= offset else 0
        chain.feed(data.decode("utf-8", "replace"))
        path = _new_files(host, boxes, before, token)
        seconds = round(time.monotonic() - started, 2)
        if path:
            box = next(b for b in boxes if path == b.path or path.startswith(b.path + "/"))
            said = f"delivered to {path} in {seconds:.2f} s"
            return Delivery(True, recipient, target, path, seconds, said, "", box)
        if chain.settled or seconds >= timeout or (cancel is not None and cancel.is_set()):
            break
        time.sleep(min(delay, max(0.0, timeout - seconds)))
        delay = min(delay * 2, 0.2)
    return _undelivered(host, recipient, target, route, chain, seconds, timeout)


def _undelivered(host, recipient, target, route, chain, seconds, timeout) -> Delivery:
    said = (
        ("the maillog says: " + " | ".join(chain.lines))
        if chain.lines
        else f"{MAILLOG} has no line about it (is qmail-send running and logging?)"
    )
    when = "was not delivered" if chain.settled else f"did not arrive within {timeout:g} s"
    shown = ", ".join(b.path for b in route.boxes)
    where = f" to {shown}" if shown else ""
    detail = f"the message to {recipient}{where} {when}; {said}"
    if route.notes:
        detail += "; " + "; ".join(route.notes)
    boxes = route.boxes
    made = [_make_maildir(host, b) for b in boxes if b.kind == "maildir"]
    if route.problems:
        fix = "; ".join(dict.fromkeys(problem[3] for problem in route.problems))
    elif any(made):
        fix = next(m for m in made if m)
    elif not boxes:
        fix = (
            "point the alias at a local user: echo '&USER' > "
            f"{ALIAS_DIR}/{alias.filename(recipient)}"
        )
    else:
        fix = f"read {MAILLOG} about it, fix the cause, then run qmail-wizard verify"
    return Delivery(False, recipient, target, "", seconds, detail, fix)


def _make_maildir(host: Host, box: _Box) -> str:
    """The command that makes what is missing of the Maildir ``box``, as its user
    ("" when nothing is missing)."""
    if not _exists(host, box.path):
        return f"setuidgid {box.user} maildirmake {box.path}"
    missing = [
        f"{box.path}/{sub}"
        for sub in ("new", "cur", "tmp")
        if not _exists(host, f"{box.path}/{sub}")
    ]
    return f"setuidgid {box.user} mkdir -m 700 {' '.join(missing)}" if missing else ""


def _exists(host: Host, path: str) -> bool:
    """Whether anything is at ``path`` (a link is not followed)."""
    parent, _, name = path.rpartition("/")
    try:
        return name in host.listdir(parent or "/")
    except HostError:
        return False


def remove_test_message(host: Host, got: Delivery) -> str:
    """Take a delivered test message out of its Maildir; what was done, as a note."""
    if got.box is None or not got.path:
        return ""
    if got.box.kind != "maildir":
        return f"left in the mbox {got.path} (qmail-wizard does not rewrite mailboxes)"
    try:
        removed = host.remove(got.path)
    except HostError as exc:
        return f"could not remove it ({exc})"
    return "removed again" if removed else "gone already (a mail client took it)"
