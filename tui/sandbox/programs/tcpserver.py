"""tcpserver(1) from ucspi-tcp: accept TCP connections, run a program (sslserver builds on it).

tcpserver [ -1UXpPhHrRoOdDqQv ] [ -c limit ] [ -x rules.cdb ] [ -B banner ]
[ -g gid ] [ -u uid ] [ -b backlog ] [ -l localname ] [ -t timeout ] host port program...

Stays in the foreground (rc.d backgrounds it); SIGTERM ends it and frees the port.
The remote host name comes from /etc/hosts only (the sandbox has no DNS) and the
TCPREMOTEINFO (ident) lookup always fails, so it is never set.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import sys

from .. import cdb
from ..proc import execvp, prepare_names
from ..qmail import privs
from ..qmail.errstr import error_str
from ..qmail.rules import instructions, match

FATAL = "tcpserver: fatal: "
DROP = "tcpserver: warning: dropping connection, "
USAGE = (
    "tcpserver: usage: tcpserver [ -1UXpPhHrRoOdDqQv ] [ -c limit ] [ -x rules.cdb ] "
    "[ -B banner ] [ -g gid ] [ -u uid ] [ -b backlog ] [ -l localname ] [ -t timeout ] "
    "host port program"
)
FLAGS = "dDvqQhHrR1UXpPoO46"
WITH_ARG = "xtuglbBcI"


class Options:
    verbosity = 1
    remotehost = True
    remoteinfo = True
    allow_norules = False
    rules: str | None = None
    banner = ""
    localhost: str | None = None
    limit = 40
    backlog = 20
    uid = 0
    gid = 0
    print_port = False
    seen = ""  # the flag letters, in order (sslserver reads its own from here)


def parse(
    args: list[str], flags: str = FLAGS, with_arg: str = WITH_ARG
) -> tuple[Options, list[str]] | None:
    opts = Options()
    while args and args[0].startswith("-") and args[0] != "-":
        arg = args.pop(0)
        if arg == "--":
            break
        i = 1
        while i < len(arg):
            letter = arg[i]
            if letter in with_arg:
                value = arg[i + 1 :] or (args.pop(0) if args else None)
                if value is None:
                    return None
                if letter == "x":
                    opts.rules = value
                elif letter == "B":
                    opts.banner = value
                elif letter == "l":
                    opts.localhost = value
                elif letter in "cbug":
                    digits = "".join(value[: len(value) - len(value.lstrip("0123456789"))])
                    number = int(digits or 0)
                    attr = {"c": "limit", "b": "backlog", "u": "uid", "g": "gid"}[letter]
                    setattr(opts, attr, number)
                break
            if letter not in flags:
                return None
            opts.seen += letter
            if letter == "v":
                opts.verbosity = 2
            elif letter == "q":
                opts.verbosity = 0
            elif letter == "Q":
                opts.verbosity = 1
            elif letter in "hH":
                opts.remotehost = letter == "h"
            elif letter in "rR":
                opts.remoteinfo = letter == "r"
            elif letter == "X":
                opts.allow_norules = True
            elif letter == "1":
                opts.print_port = True
            elif letter == "U":
                opts.uid = int(os.environ.get("UID", "0") or 0)
                opts.gid = int(os.environ.get("GID", "0") or 0)
            i += 1
    return opts, args


def warn(opts: Options, text: str) -> None:
    if opts.verbosity:
        try:
            os.write(2, (text + "\n").encode(errors="replace"))
        except OSError:
            pass


def hosts_name(ip: str) -> str | None:
    """The first name /etc/hosts gives ``ip`` (no DNS in the sandbox)."""
    try:
        with open("/etc/hosts") as fh:
            for line in fh:
                fields = line.split("#", 1)[0].split()
                if len(fields) > 1 and fields[0] == ip:
                    return fields[1]
    except OSError:
        pass
    return None


def safe(text: str) -> str:
    out = "".join("?" if (ord(c) < 33 or ord(c) > 126 or c == "%") else c for c in text[:100])
    return out + ("..." if len(text) > 100 else "")


def set_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def accept(opts: Options, conn: socket.socket, proto: str = "TCP", tcpenv: bool = True) -> bool:
    """doit()'s first half: environment, rules and log line; True if the rules deny.
    sslserver calls it with ``proto="SSL"``: SSL* names, the TCP* ones only with -e."""
    server = "tcpserver" if proto == "TCP" else "sslserver"
    pid = os.getpid()
    remoteip, remoteport = conn.getpeername()[:2]
    localip, localport = conn.getsockname()[:2]
    if opts.verbosity >= 2:
        warn(opts, f"{server}: pid {pid} from {remoteip}")
    localhost = opts.localhost if opts.localhost is not None else hosts_name(localip)
    remotehost = hosts_name(remoteip) if opts.remotehost else None
    os.environ["PROTO"] = "TCP" if tcpenv else proto
    for prefix in {proto, "TCP"} if tcpenv else {proto}:
        set_env(f"{prefix}LOCALIP", localip)
        set_env(f"{prefix}LOCALPORT", str(localport))
        set_env(f"{prefix}LOCALHOST", localhost)
        set_env(f"{prefix}REMOTEIP", remoteip)
        set_env(f"{prefix}REMOTEPORT", str(remoteport))
        set_env(f"{prefix}REMOTEHOST", remotehost)
        set_env(f"{prefix}REMOTEINFO", None)
    deny = False
    if opts.rules:
        try:
            db = cdb.Reader.open(opts.rules)
        except OSError as exc:
            if not (isinstance(exc, FileNotFoundError) and opts.allow_norules):
                warn(
                    opts,
                    f"{DROP.replace('tcpserver', server)}unable to read {opts.rules}: "
                    f"{error_str(exc)}",
                )
                os._exit(111)
            db = None
        except ValueError:
            warn(
                opts,
                f"{DROP.replace('tcpserver', server)}unable to read {opts.rules}: truncated file",
            )
            os._exit(111)
        found = match(db, remoteip, remotehost) if db else None
        if found:
            deny, extra = instructions(found[1])
            os.environ.update(extra)
    if opts.verbosity >= 2:
        warn(
            opts,
            f"{server}: {'deny' if deny else 'ok'} {pid} "
            f"{safe(localhost or '')}:{safe(localip)}:{localport} "
            f"{safe(remotehost or '')}:{safe(remoteip)}::{remoteport}",
        )
    return deny


def child(opts: Options, conn: socket.socket, program: list[str]) -> None:
    """doit(): banner, environment, rules, log line, then exec the program on the connection."""
    if opts.banner:
        conn.sendall(opts.banner.encode())
    if accept(opts, conn):
        os._exit(100)
    os.dup2(conn.fileno(), 0)
    os.dup2(conn.fileno(), 1)
    conn.close()
    run(opts, program)


def run(opts: Options, program: list[str], server: str = "tcpserver") -> None:
    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    try:
        execvp(program)
    except OSError as exc:
        warn(
            opts,
            f"{server}: warning: dropping connection, unable to run {program[0]}: {error_str(exc)}",
        )
    os._exit(111)


def listen(opts: Options, host: str, port_name: str, fatal: str = FATAL) -> socket.socket | int:
    """The bound, listening socket, or the exit status after a fatal message."""
    if port_name.isdigit():
        port = int(port_name)
    else:
        try:
            port = socket.getservbyname(port_name, "tcp")
        except OSError:
            warn(opts, f"{fatal}unable to figure out port number for {port_name}")
            return 111
    if host == "0":
        address = "0.0.0.0"
    else:
        try:
            address = socket.gethostbyname(host)
        except OSError:
            warn(opts, f"{fatal}no IP address for {host}")
            return 111
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    try:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except OSError as exc:
        warn(opts, f"{fatal}unable to create socket: {error_str(exc)}")
        return 111
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((address, port))
    except OSError as exc:
        warn(opts, f"{fatal}unable to bind: {error_str(exc)}")
        return 111
    listener.listen(opts.backlog)
    return listener


def detach(opts: Options, listener: socket.socket) -> None:
    """-1 prints the port; descriptors 0 and 1 become /dev/null."""
    if opts.print_port:
        os.write(1, f"{listener.getsockname()[1]}\n".encode())
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)


def main(argv: list[str]) -> int:
    parsed = parse(argv[1:])
    if parsed is None or len(parsed[1]) < 3:
        print(USAGE, file=sys.stderr)
        return 100
    opts, rest = parsed
    program = rest[2:]
    listener = listen(opts, rest[0] or "0", rest[1])
    if isinstance(listener, int):
        return listener
    prepare_names(os.path.basename(program[0]))
    try:
        privs.drop(opts.uid, opts.gid)
    except OSError as exc:
        warn(opts, f"{FATAL}unable to set {'gid' if opts.gid else 'uid'}: {error_str(exc)}")
        return 111
    detach(opts, listener)
    return serve(opts, listener, program)


def serve(
    opts: Options,
    listener: socket.socket,
    program: list[str],
    handler=child,
    server: str = "tcpserver",
) -> int:
    """Accept connections up to the limit; ``handler`` runs each in a child process."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: set[int] = set()

    def status():
        if opts.verbosity >= 2:
            warn(opts, f"{server}: status: {len(children)}/{opts.limit}")

    status()
    while True:
        while True:
            try:
                pid, wstat = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if not pid:
                break
            if opts.verbosity >= 2:
                warn(opts, f"{server}: end {pid} status {wstat}")
            children.discard(pid)
            status()
        watch = [wake_r] + ([listener] if len(children) < opts.limit else [])
        ready, _, _ = select.select(watch, [], [])
        if wake_r in ready:
            os.read(wake_r, 512)
        if listener not in ready:
            continue
        try:
            conn, _ = listener.accept()
        except OSError:
            continue
        pid = os.fork()
        if pid == 0:
            signal.set_wakeup_fd(-1)
            listener.close()
            os.close(wake_r)
            os.close(wake_w)
            handler(opts, conn, program)
        children.add(pid)
        status()
        conn.close()
