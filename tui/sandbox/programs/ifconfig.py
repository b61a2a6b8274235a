"""ifconfig(8) of the simulated host, for its one interface: lo0 (Linux's ``lo`` in the
sandbox's network namespace).

NetBSD's rc.d/network sets ``ifconfig lo0 inet 127.0.0.1`` and rejects the rest of
127/8, so no other 127 address is the host's until an admin adds it as an alias.
:func:`loopback_only` (run by init at boot) narrows Linux's ``127.0.0.1/8`` to /32 so
that Linux's local route for all of 127/8 goes too.  Supported: ``-a``, ``-l``,
``lo0 [inet]`` (status), ``lo0 [inet] ADDR alias`` / ``alias ADDR`` (add),
``lo0 [inet] ADDR -alias`` / ``-alias ADDR`` / ``ADDR delete`` / ``delete ADDR``
(remove); a ``netmask M`` is accepted and the address is held as /32 whatever it says.
"""

from __future__ import annotations

import array
import errno
import fcntl
import os
import socket
import struct
import sys

NAME, LINUX_NAME = "lo0", "lo"
#: NetBSD 7.1/9.0 lo0: its flags and mtu as ifconfig prints them
STATUS = f"{NAME}: flags=0x8049<UP,LOOPBACK,RUNNING,MULTICAST> mtu 33624"
SIOCGIFCONF, SIOCSIFNETMASK = 0x8912, 0x891C
RTM_NEWADDR, RTM_DELADDR, NLMSG_ERROR = 20, 21, 2
NLM_F_REQUEST, NLM_F_ACK, NLM_F_CREATE, NLM_F_REPLACE = 0x1, 0x4, 0x400, 0x100
IFA_ADDRESS, IFA_LOCAL, RT_SCOPE_HOST = 1, 2, 254
#: NetBSD's strerror where Linux words it otherwise
NETBSD_ERRORS = {errno.EADDRNOTAVAIL: "Can't assign requested address"}
USAGE = "usage: ifconfig [-a | -l] | lo0 [inet] [address [alias | -alias | delete]]"


def loopback_only() -> None:
    """Leave 127.0.0.1 the only 127 address that is local (its mask set to /32)."""
    mask = socket.inet_aton("255.255.255.255")
    request = struct.pack("16sHH4s8x", LINUX_NAME.encode(), socket.AF_INET, 0, mask)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        fcntl.ioctl(sock, SIOCSIFNETMASK, request)


def addresses() -> list[str]:
    """lo's IPv4 addresses, in the kernel's order (SIOCGIFCONF)."""
    size = 40  # struct ifreq on 64-bit Linux
    buf = array.array("B", bytes(size * 64))
    pointer = buf.buffer_info()[0]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        answer = fcntl.ioctl(sock, SIOCGIFCONF, struct.pack("iP", len(buf), pointer))
    length = struct.unpack("iP", answer)[0]
    raw, found = buf.tobytes()[:length], []
    for start in range(0, length, size):
        name = raw[start : start + 16].split(b"\0", 1)[0].decode()
        if name.split(":")[0] == LINUX_NAME:
            found.append(socket.inet_ntoa(raw[start + 20 : start + 24]))
    return found


def _netlink(kind: int, flags: int, address: str) -> None:
    """Add (RTM_NEWADDR) or delete (RTM_DELADDR) ``address``/32 on lo; OSError on refusal."""
    packed = socket.inet_aton(address)
    attrs = b"".join(struct.pack("=HH4s", 8, t, packed) for t in (IFA_LOCAL, IFA_ADDRESS))
    body = struct.pack(
        "=BBBBI", socket.AF_INET, 32, 0, RT_SCOPE_HOST, socket.if_nametoindex(LINUX_NAME)
    )
    header = struct.pack("=LHHLL", 16 + len(body) + len(attrs), kind, flags | NLM_F_REQUEST, 1, 0)
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as sock:
        sock.send(header + body + attrs)
        reply = sock.recv(4096)
    if struct.unpack("=H", reply[4:6])[0] == NLMSG_ERROR:
        code = -struct.unpack("=i", reply[16:20])[0]
        if code:
            raise OSError(code, os.strerror(code))


def _prefix(address: str) -> int:
    """The classful mask NetBSD gives an address set without a netmask."""
    first = int(address.split(".")[0])
    return 8 if first < 128 else 16 if first < 192 else 24


def status() -> str:
    lines = [STATUS] + [f"\tinet {a}/{_prefix(a)} flags 0x0" for a in addresses()]
    return "\n".join(lines)


def _change(args: list[str]) -> int:
    """``[inet] ADDR alias|-alias|delete`` or ``[inet] alias|-alias|delete ADDR``."""
    if args[:1] == ["inet"]:
        args = args[1:]
    if "netmask" in args:
        at = args.index("netmask")
        args = args[:at] + args[at + 2 :]
    verbs = [a for a in args if a in ("alias", "-alias", "delete")]
    rest = [a for a in args if a not in verbs]
    if len(rest) != 1 or len(verbs) > 1:
        print(USAGE, file=sys.stderr)
        return 1
    address = rest[0].split("/")[0]
    import ipaddress  # only to change an address (the listing runs far more often)

    try:
        ipaddress.IPv4Address(address)
    except ValueError:
        print(f"ifconfig: {rest[0]}: bad value", file=sys.stderr)
        return 1
    remove = bool(verbs) and verbs[0] != "alias"
    try:
        if remove:
            _netlink(RTM_DELADDR, NLM_F_ACK, address)
        elif address not in addresses():
            _netlink(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, address)
    except OSError as exc:
        said = NETBSD_ERRORS.get(exc.errno or 0) or os.strerror(exc.errno or errno.EIO)
        call = "SIOCDIFADDR" if remove else "SIOCAIFADDR"
        print(f"ifconfig: {call}: {said}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:
    args = argv[1:]
    if args in (["-a"], ["-a", "inet"]):
        print(status())
        return 0
    if args == ["-l"]:
        print(NAME)
        return 0
    if not args or args[0].startswith("-"):
        print(USAGE, file=sys.stderr)
        return 1
    if args[0] != NAME:
        print(f"ifconfig: SIOCGIFFLAGS {args[0]}: Device not configured", file=sys.stderr)
        return 1
    if args[1:] in ([], ["inet"]):
        print(status())
        return 0
    return _change(args[1:])
