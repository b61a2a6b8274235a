"""The privilege half of the simulated doas(1) (pkgsrc security/doas, slicer69's port).

NetBSD installs doas setuid root; a sandbox program is a script, and the kernel ignores
the setuid bit of scripts.  So the set-uid step happens here: init serves a Unix socket
(:data:`SOCKET`) on which the doas client (programs/doas.py, running as the caller)
sends its argv, cwd, environment and descriptors 0-2.  This side reads the caller's
uid from the socket (SO_PEERCRED), applies /usr/pkg/etc/doas.conf as doas.c does
(last matching rule wins; ``nopass``; ``-n``), checks the password the client read on
its terminal against /etc/master.passwd, and runs the command as the target user on the
caller's descriptors; the client exits with its status.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import socket
import struct
import subprocess
import threading
from collections import namedtuple

from . import pwcrypt
from .layout import CONTROL_MOUNT

SOCKET = f"{CONTROL_MOUNT}/run/doas.sock"
#: PKG_SYSCONFDIR/doas.conf (the package's Makefile substitutes ${PREFIX}/etc)
DOAS_CONF = "/usr/pkg/etc/doas.conf"
#: OpenPAM's default pam_get_authtok prompt (pam_unix asks for no other)
PROMPT = "Password:"
#: variables doas keeps from the caller's environment (env.c, without keepenv)
KEPT = ("DISPLAY", "TERM", "PATH")


class Denied(Exception):
    """doas exits 1 with ``doas: <message>``."""


class Rule(namedtuple("Rule", "permit options ident target cmd")):
    __slots__ = ()
    permit: bool
    options: frozenset[str]
    ident: str
    target: str | None
    cmd: tuple[str, ...] | None


def parse(text: str) -> list[Rule]:
    """doas.conf(5): ``permit|deny [options] identity [as target] [cmd command [args ...]]``."""
    rules = []
    for number, raw in enumerate(text.splitlines(), 1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        try:
            rules.append(_rule(words))
        except (ValueError, IndexError):
            raise Denied(f"{DOAS_CONF}:{number}: syntax error") from None
    return rules


def _rule(words: list[str]) -> Rule:
    action = words.pop(0)
    if action not in ("permit", "deny"):
        raise ValueError(action)
    options = set()
    while words and words[0] in ("nopass", "persist", "keepenv", "nolog"):
        options.add(words.pop(0))
    ident = words.pop(0)
    target = None
    if words and words[0] == "as":
        target = words[1]
        words = words[2:]
    cmd = None
    if words:
        if words.pop(0) != "cmd" or not words:
            raise ValueError("cmd")
        cmd = tuple(w for w in words if w != "args")
    return Rule(action == "permit", frozenset(options), ident, target, cmd)


def _matches(rule: Rule, user: str, groups: set[int], target: str, argv: list[str]) -> bool:
    if rule.ident.startswith(":"):
        try:
            if grp.getgrnam(rule.ident[1:]).gr_gid not in groups:
                return False
        except KeyError:
            return False
    elif rule.ident != user:
        return False
    if rule.target is not None and rule.target != target:
        return False
    if rule.cmd is None:
        return True
    return rule.cmd[0] == argv[0] and (len(rule.cmd) == 1 or rule.cmd[1:] == tuple(argv[1:]))


def decide(uid: int, gid: int, target: str, argv: list[str]) -> Rule:
    """The rule that lets ``uid`` run ``argv``; Denied with doas's words otherwise."""
    try:
        stat = os.stat(DOAS_CONF)
        with open(DOAS_CONF) as fh:
            text = fh.read()
    except OSError as exc:
        raise Denied(f"doas is not enabled, {DOAS_CONF}: {exc.strerror}") from None
    if stat.st_mode & 0o022:
        raise Denied(f"{DOAS_CONF} is writable by group or other")
    if stat.st_uid != 0:
        raise Denied(f"{DOAS_CONF} is not owned by root")
    user = pwd.getpwuid(uid).pw_name
    groups = set(os.getgrouplist(user, gid)) | {gid}
    last = None
    for rule in parse(text):
        if _matches(rule, user, groups, target, argv):
            last = rule
    if last is None or not last.permit:
        raise Denied("Operation not permitted")
    return last


def _stored_hash(user: str) -> str:
    with open("/etc/master.passwd") as fh:
        for line in fh:
            fields = line.rstrip("\n").split(":")
            if fields[0] == user and len(fields) > 1:
                return fields[1]
    return "*"


def _environment(caller: dict, rule: Rule, target: pwd.struct_passwd) -> dict:
    env = dict(caller) if "keepenv" in rule.options else {}
    env.update({k: caller[k] for k in KEPT if k in caller})
    env.update(HOME=target.pw_dir, LOGNAME=target.pw_name, USER=target.pw_name)
    env.update(SHELL=target.pw_shell, MAIL=f"/var/mail/{target.pw_name}")
    return env


def _send(conn: socket.socket, **reply) -> None:
    conn.sendall(json.dumps(reply).encode() + b"\n")


def _receive(reader) -> dict:
    line = reader.readline()
    if not line:
        raise EOFError
    return json.loads(line)


def _serve(conn: socket.socket) -> None:
    fds: list[int] = []
    try:
        message, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
        reader = conn.makefile("rb")
        if not message.endswith(b"\n"):  # a long command line comes in several reads
            message += reader.readline()
        request = json.loads(message)
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        _, uid, gid = struct.unpack("3i", creds)
        _run(conn, reader, request, uid, gid, fds)
    except (OSError, ValueError, EOFError):
        pass
    finally:
        for fd in fds:
            os.close(fd)
        conn.close()


def _run(conn, reader, request: dict, uid: int, gid: int, fds: list[int]) -> None:
    argv = [str(a) for a in request["argv"]]
    target_name = str(request.get("target", "root"))
    try:
        target = pwd.getpwnam(target_name)
        rule = decide(uid, gid, target_name, argv)
        if "nopass" not in rule.options and uid != 0:
            if request.get("nflag"):
                raise Denied("Authorization required")
            _send(conn, password=PROMPT)
            answer = _receive(reader).get("password")
            if answer is None:
                raise Denied("pam_authenticate: Conversation failure")
            if not pwcrypt.matches(answer, _stored_hash(pwd.getpwuid(uid).pw_name)):
                raise Denied("authentication failed")
        env = _environment(request.get("env", {}), rule, target)
        try:
            child = subprocess.Popen(
                argv,
                stdin=fds[0],
                stdout=fds[1],
                stderr=fds[2],
                cwd=request.get("cwd") or "/",
                env=env,
                user=target.pw_uid,
                group=target.pw_gid,
                extra_groups=os.getgrouplist(target.pw_name, target.pw_gid),
            )
        except FileNotFoundError:
            raise Denied(f"{argv[0]}: command not found") from None
        except OSError as exc:
            raise Denied(f"{argv[0]}: {exc.strerror}") from None
    except Denied as exc:
        _send(conn, exit=1, error=str(exc))
        return
    for fd in fds:
        os.close(fd)
    fds.clear()
    status = child.wait()
    _send(conn, exit=status if status >= 0 else 128 - status)


def serve_forever() -> None:
    """Accept doas clients on :data:`SOCKET` (init runs this in a thread)."""
    try:
        os.unlink(SOCKET)
    except OSError:
        pass
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(SOCKET)
    os.chmod(SOCKET, 0o666)
    server.listen(16)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=_serve, args=(conn,), daemon=True).start()


def start() -> None:
    threading.Thread(target=serve_forever, name="doas", daemon=True).start()
