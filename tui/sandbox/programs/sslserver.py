"""sslserver(1) from ucspi-ssl: tcpserver with TLS, Python's ``ssl`` doing the TLS.

sslserver [ -1346UXpPhHrRoOdDqQvVIeEsSnNmzZ ] [ -c limit ] [ -x rules.cdb ] ...
host port program...

The listener stays root and loads CERTFILE (KEYFILE, else the same file) at start;
each connection forks: the program runs as -u/-g with descriptors 0/1 on pipes to
a TLS proxy that runs as $SSL_UID/$SSL_GID.  With -n (UCSPI-TLS) the program gets
the plain socket as 0/1 and starts TLS itself: it writes ``Y`` (or ``y``) to
$SSLCTLFD, sslserver does the handshake, sends ``Y``'s ``SSL_*=value\\0...\\0``
environment back on $SSLCTLFD, then proxies between the TLS socket and the pipes
$SSLREADFD/$SSLWRITEFD.  -e sets the TCP* variables (PROTO=TCP) as well as SSL*.
DHFILE, CIPHERS, CAFILE and client certificates (-z/-m) are not simulated.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import ssl
import sys
from typing import Any, NoReturn

from ..proc import prepare_names
from ..qmail import privs
from . import tcpserver
from .tcpserver import Options, warn

FATAL = "sslserver: fatal: "
DROP = "sslserver: warning: dropping SSL connection, "
USAGE = (
    "sslserver: usage: sslserver [ -1346UXpPhHrRoOdDqQvVIeEsSnNmzZ ] [ -c limit ] "
    "[ -x rules.cdb ] [ -B banner ] [ -g gid ] [ -u uid ] [ -b backlog ] [ -l localname ] "
    "[ -t timeout ] [ -I interface ] [ -T ssltimeout ] [ -w progtimeout ] host port program"
)
FLAGS = "1346dDvVqQhHrRUXpPoOIEeSsnNzZm"
WITH_ARG = "xtTuglbBcw"
#: -T's default: seconds for the TLS handshake
SSLTIMEOUT = 26


def _last(seen: str, on: str, off: str) -> bool:
    picks = [c for c in seen if c in on + off]
    return bool(picks) and picks[-1] == on


def context() -> ssl.SSLContext | str | None:
    """The server context from CERTFILE/KEYFILE, None without CERTFILE, or the fatal text."""
    certfile = os.environ.get("CERTFILE") or None
    keyfile = os.environ.get("KEYFILE") or certfile
    if certfile is None:
        return None  # the compiled-in default path is not simulated
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        ctx.load_cert_chain(certfile, keyfile)
    except FileNotFoundError:
        return "unable to load certificate"
    except (OSError, ssl.SSLError) as exc:
        return "key does not match certificate" if "mismatch" in str(exc) else "unable to load key"
    return ctx


def tls_env(tls: ssl.SSLSocket) -> bytes:
    """The ``Y`` answer: SSL_* variables, NUL-terminated, then one more NUL."""
    name, version, bits = tls.cipher() or ("", "", 0)
    values = {
        "SSL_PROTOCOL": tls.version() or version,
        "SSL_CIPHER": name,
        "SSL_CIPHER_USEKEYSIZE": str(bits),
        "SSL_CIPHER_ALGKEYSIZE": str(bits),
        "SSL_VERSION_INTERFACE": "ucspi-ssl",
        "SSL_VERSION_LIBRARY": ssl.OPENSSL_VERSION,
    }
    return b"".join(f"{k}={v}\0".encode() for k, v in values.items()) + b"\0"


def proxy(tls: ssl.SSLSocket, to_prog: int, from_prog: int) -> None:
    """ssl_io: TLS socket <-> the program's pipes until either side ends."""
    while True:
        watch: list[Any] = [tls, from_prog]
        ready = [tls] if tls.pending() else select.select(watch, [], [])[0]
        if tls in ready:
            try:
                data = tls.recv(16384)
            except (ssl.SSLError, OSError):
                return
            if not data:
                return
            try:
                os.write(to_prog, data)
            except OSError:
                return
        if from_prog in ready:
            data = os.read(from_prog, 16384)
            if not data:
                return
            try:
                tls.sendall(data)
            except (ssl.SSLError, OSError):
                return


class Server:
    def __init__(self, opts: Options, ctx: ssl.SSLContext | None):
        self.opts = opts
        self.ctx = ctx
        self.wait = _last(opts.seen, "n", "N")
        self.sslenv = _last(opts.seen, "s", "S")
        self.tcpenv = _last(opts.seen, "e", "E")

    def connection(self, opts: Options, conn: socket.socket, program: list[str]) -> None:
        """doit(): fork the program and stay as its TLS proxy."""
        to_prog_r, to_prog_w = os.pipe()
        from_prog_r, from_prog_w = os.pipe()
        ctl_parent, ctl_child = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            ctl_parent.close()
            os.close(to_prog_w)
            os.close(from_prog_r)
            self.program(conn, program, ctl_child, to_prog_r, from_prog_w)
        ctl_child.close()
        os.close(to_prog_r)
        os.close(from_prog_w)
        self.tls_side(conn, pid, ctl_parent, to_prog_w, from_prog_r)

    def program(self, conn, program, ctl: socket.socket, read_fd: int, write_fd: int) -> None:
        if tcpserver.accept(self.opts, conn, "SSL", self.tcpenv):
            os._exit(100)
        try:
            privs.drop(self.opts.uid, self.opts.gid)
        except OSError as exc:
            warn(self.opts, f"{FATAL}unable to set {'gid' if self.opts.gid else 'uid'}: {exc}")
            os._exit(111)
        for fd in (ctl.fileno(), read_fd, write_fd):
            os.set_inheritable(fd, True)
        os.environ["SSLCTLFD"] = str(ctl.fileno())
        os.environ["SSLREADFD"] = str(read_fd)
        os.environ["SSLWRITEFD"] = str(write_fd)
        if self.wait:
            os.dup2(conn.fileno(), 0)
            os.dup2(conn.fileno(), 1)
        else:
            os.dup2(read_fd, 0)
            os.dup2(write_fd, 1)
        conn.detach()
        if self.opts.banner:
            os.write(1, self.opts.banner.encode())
        if not self.wait:
            ctl.sendall(b"Y" if self.sslenv else b"y")
            if self.sslenv:
                os.environ.update(_read_env(ctl))
        tcpserver.run(self.opts, program, "sslserver")

    def tls_side(self, conn, pid: int, ctl: socket.socket, to_prog: int, from_prog: int) -> None:
        for name, drop in (("SSL_GID", "gid"), ("SSL_UID", "uid")):
            value = os.environ.get(name, "")
            number = int(value) if value.isdigit() else 0
            if number:
                try:
                    privs.drop(number if drop == "uid" else 0, number if drop == "gid" else 0)
                except OSError:
                    _drop_and_kill(pid, f"{FATAL}unable to set {drop}: ")
        command = ctl.recv(1)
        if command in (b"Y", b"y"):
            if self.ctx is None:
                _drop_and_kill(pid, f"{DROP}unable to create SSL instance")
            try:
                conn.settimeout(SSLTIMEOUT)
                tls = self.ctx.wrap_socket(conn, server_side=True)
                tls.settimeout(None)
            except (ssl.SSLError, OSError) as exc:
                _drop_and_kill(pid, f"{DROP}unable to accept SSL: {exc}")
            if command == b"Y":
                ctl.sendall(tls_env(tls))
            if self.opts.verbosity >= 2:
                warn(self.opts, f"sslserver: ssl {os.getpid()} accept ")
            proxy(tls, to_prog, from_prog)
            done, wstat = os.waitpid(pid, os.WNOHANG)
            if done:
                os._exit(os.waitstatus_to_exitcode(wstat) & 0xFF)
        _kill(pid)
        os._exit(0)


def _read_env(ctl: socket.socket) -> dict[str, str]:
    data = b""
    while not data.endswith(b"\0\0"):
        chunk = ctl.recv(8192)
        if not chunk:
            break
        data += chunk
    pairs = [item.split(b"=", 1) for item in data.split(b"\0") if b"=" in item]
    return {k.decode(): v.decode() for k, v in pairs}


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:  # gone, or another uid's (as sslserver, the failure goes unnoticed)
        pass


def _drop_and_kill(pid: int, text: str) -> NoReturn:
    _kill(pid)
    try:
        os.write(2, (text + "\n").encode(errors="replace"))
    except OSError:
        pass
    os._exit(111)


def main(argv: list[str]) -> int:
    parsed = tcpserver.parse(argv[1:], FLAGS, WITH_ARG)
    if parsed is None or len(parsed[1]) < 3:
        print(USAGE, file=sys.stderr)
        return 100
    opts, rest = parsed
    opts.verbosity = 3 if "V" in opts.seen and opts.verbosity == 1 else opts.verbosity
    program = rest[2:]
    listener = tcpserver.listen(opts, rest[0] or "0", rest[1], FATAL)
    if isinstance(listener, int):
        return listener
    ctx = context()
    if isinstance(ctx, str):
        warn(opts, FATAL + ctx)
        return 111
    prepare_names(os.path.basename(program[0]))
    tcpserver.detach(opts, listener)
    return tcpserver.serve(opts, listener, program, Server(opts, ctx).connection, "sslserver")
