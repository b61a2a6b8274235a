"""An ssh target's host key when ssh does not know it: read, shown, trusted on request.

``ssh-keyscan`` reads the keys the server offers and ``ssh-keygen -lf`` fingerprints
them (SHA256); trusting appends those lines to the known_hosts file ssh itself uses
(``UserKnownHostsFile`` as ``ssh -G`` resolves it, with ``-F`` when given), so the
next connection checks against exactly the key the user saw.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

from .base import HostError

#: the order ssh's default HostKeyAlgorithms prefers: the first found is shown
PREFERRED: tuple[str, ...] = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384")
PREFERRED += ("ecdsa-sha2-nistp521", "rsa-sha2-512", "ssh-rsa")


@dataclass(frozen=True)
class HostKey:
    host: str  # as known_hosts names it: host, or [host]:port
    type: str  # ssh-ed25519 ...
    fingerprint: str  # SHA256:...
    line: str  # the known_hosts line


def _run(argv: list[str], input: str | None = None) -> str:
    try:
        done = subprocess.run(
            argv, input=input, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise HostError(f"{argv[0]} failed: {exc}") from None
    return done.stdout


def scan(host: str, port: int | None) -> HostKey:
    """The key ``host`` offers (the type ssh prefers); HostError when none is read."""
    argv = ["ssh-keyscan", "-T", "10"] + (["-p", str(port)] if port else []) + ["--", host]
    lines = [line for line in _run(argv).splitlines() if line and not line.startswith("#")]
    offered: dict[str, str] = {}
    for line in lines:
        parts = line.split()
        if len(parts) >= 3:
            offered.setdefault(parts[1], line)
    for kind in PREFERRED + tuple(offered):
        if kind in offered:
            line = offered[kind]
            printed = _run(["ssh-keygen", "-l", "-E", "sha256", "-f", "-"], line + "\n").split()
            if len(printed) >= 2 and printed[1].startswith("SHA256:"):
                return HostKey(line.split()[0], kind, printed[1], line)
    raise HostError(f"ssh-keyscan read no host key from {host} port {port or 22}")


def known_hosts_file(ssh_options: list[str], host: str) -> str:
    """The first UserKnownHostsFile ssh would use for ``host`` (``ssh -G``)."""
    for line in _run(ssh_options + ["-G", "--", host]).splitlines():
        key, _, value = line.partition(" ")
        if key == "userknownhostsfile" and value.split():
            return os.path.expanduser(value.split()[0])
    return os.path.expanduser("~/.ssh/known_hosts")


def trust(key: HostKey, path: str) -> None:
    """Append ``key`` to the known_hosts file ``path`` (its directory made 0700)."""
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        os.makedirs(directory, mode=0o700)
    try:
        with open(path, "a") as fh:
            fh.write(key.line + "\n")
    except OSError as exc:
        raise HostError(f"cannot add the host key to {path}: {exc.strerror}") from None
