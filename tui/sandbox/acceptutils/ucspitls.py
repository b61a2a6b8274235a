"""acceptutils_ucspitls: the UCSPI-TLS client side (sslserver -n is the server side).

UCSPITLS unset or ``-`` (or DISABLETLS set): TLS unavailable; ``!``: required;
anything else: available.  Both variables are removed from the environment, so
programs further down the chain do not offer TLS again.
"""

from __future__ import annotations

import os

UNAVAILABLE, AVAILABLE, REQUIRED = 0, 1, 2


def level() -> int:
    ucspitls = os.environ.pop("UCSPITLS", None)
    disabled = os.environ.pop("DISABLETLS", None) is not None
    if disabled or ucspitls is None or ucspitls == "-":
        return UNAVAILABLE
    return REQUIRED if ucspitls == "!" else AVAILABLE


def _fd(name: str) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.isdigit() else 0


def start() -> bool:
    """tls_init + tls_info: ask sslserver for TLS (``Y`` on $SSLCTLFD), move the
    plaintext ends $SSLREADFD/$SSLWRITEFD to descriptors 0/1, then take the SSL_*
    environment sslserver sends back.  False if any step fails."""
    ctl, read_fd, write_fd = _fd("SSLCTLFD"), _fd("SSLREADFD"), _fd("SSLWRITEFD")
    if not (ctl and read_fd and write_fd):
        return False
    try:
        if os.write(ctl, b"Y") < 1:
            return False
        for fd, target in ((read_fd, 0), (write_fd, 1)):
            os.dup2(fd, target)
            os.close(fd)
        data = b""
        while not data.endswith(b"\0\0"):
            chunk = os.read(ctl, 8192)
            if not chunk:
                break
            data += chunk
    except OSError:
        return False
    if not data:
        return False
    for item in data.split(b"\0"):
        name, sep, value = item.partition(b"=")
        if sep:
            os.environ[name.decode()] = value.decode(errors="replace")
    return True
