"""A sandbox's network namespace seen from the machine: sockets made inside it, and
its listening sockets read from its own /proc tables.

A socket belongs to the network namespace it was created in, whichever thread uses
it later: a short-lived thread joins the namespace (setns), creates the socket and
ends, and the caller connects it.
"""

from __future__ import annotations

import errno
import os
import socket
import threading

CLONE_NEWNET = 0x40000000
#: /proc/net/tcp's state column for LISTEN
TCP_LISTEN = "0A"


class NetnsError(OSError):
    """The sandbox's network namespace cannot be joined."""


def _setns(fd: int) -> None:
    if hasattr(os, "setns"):  # Python 3.12
        os.setns(fd, CLONE_NEWNET)
        return
    import ctypes  # (5 ms: only where there is no os.setns, and only to connect)

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def open_netns(pid: int) -> int:
    """A descriptor of the network namespace of machine process ``pid``."""
    try:
        return os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise NetnsError(
            exc.errno, f"cannot open the network namespace of pid {pid}: {exc.strerror}"
        ) from None


def socket_in(
    netns_fd: int, family: int = socket.AF_INET, source: str | None = None
) -> socket.socket:
    """A TCP socket created inside the namespace ``netns_fd`` (bound to ``source``,
    an address of that namespace, when given)."""
    made: list = []

    def make() -> None:
        try:
            _setns(netns_fd)
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                if source:
                    sock.bind((source, 0))
            except OSError:
                sock.close()
                raise
            made.append(sock)
        except OSError as exc:
            made.append(exc)

    worker = threading.Thread(target=make, name="netns-socket", daemon=True)
    worker.start()
    worker.join()
    if isinstance(made[0], OSError):
        exc = made[0]
        if exc.errno == errno.EPERM:
            raise NetnsError(
                exc.errno, "joining the sandbox's network namespace needs root (CAP_SYS_ADMIN)"
            ) from None
        raise exc
    return made[0]


def connect(
    pid: int, address: str, port: int, timeout: float = 10.0, source: str | None = None
) -> socket.socket:
    """A TCP connection to ``address:port`` made inside the network namespace of ``pid``."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    fd = open_netns(pid)
    try:
        sock = socket_in(fd, family, source)
    finally:
        os.close(fd)
    try:
        sock.settimeout(timeout)
        sock.connect((address, port))
    except OSError:
        sock.close()
        raise
    return sock


def _address(hex_address: str) -> tuple[str, int]:
    """/proc/net/tcp{,6}'s ``HEX:PORT`` (the address in host byte order per 32-bit word)."""
    host, _, port = hex_address.partition(":")
    raw = bytes.fromhex(host)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    family = socket.AF_INET if len(words) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, words), int(port, 16)


def listening(pid: int, members: list[int]) -> list[tuple[str, int, int | None]]:
    """(address, port, machine pid or None) of every listening TCP socket of the network
    namespace of ``pid``; the holder is the lowest pid of ``members`` with the socket
    open, as psutil's Linux net_connections reports it."""
    sockets: dict[str, tuple[str, int]] = {}
    for table in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{table}") as fh:
                next(fh, None)
                for line in fh:
                    fields = line.split()
                    if len(fields) > 9 and fields[3] == TCP_LISTEN:
                        sockets[fields[9]] = _address(fields[1])
        except OSError:
            continue
    holders: dict[str, int] = {}
    for member in sorted(members) if sockets else []:
        directory = f"/proc/{member}/fd"
        try:
            fds = os.listdir(directory)
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"{directory}/{fd}")
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in sockets:
                holders.setdefault(target[8:-1], member)
    return [(address, port, holders.get(inode)) for inode, (address, port) in sockets.items()]
