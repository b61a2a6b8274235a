"""--target: which host a command acts on."""

from __future__ import annotations

from pathlib import Path

from ..backend.hosts import Host, LocalHost, SandboxHost
from ..sandbox import api as sandbox


class TargetError(Exception):
    """An unusable --target; the message says what is accepted."""


def open_target(target: str) -> Host:
    """``local``, ``sandbox:PATH`` (created with the default flavor if absent); HostError
    when that sandbox cannot be created or used."""
    if target == "local":
        return LocalHost()
    if target.startswith("sandbox:"):
        path = Path(target[len("sandbox:") :]).expanduser()
        if not str(path):
            raise TargetError("--target sandbox:PATH needs a path, e.g. sandbox:/tmp/rehearsal")
        if not sandbox.exists(path):
            sandbox.create(path)
        return SandboxHost(path)
    if target.startswith("ssh://"):
        raise TargetError(
            "ssh:// targets are not supported yet: run qmail-wizard on the "
            "NetBSD host itself (--target local), or rehearse on sandbox:PATH."
        )
    raise TargetError(
        f"--target {target!r} is not one of: local, sandbox:PATH, ssh://[user@]host[:port]"
    )
