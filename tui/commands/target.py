"""--target: which host a command acts on."""
from __future__ import annotations

from pathlib import Path

from ..backend.hosts import Host, LocalHost, SandboxHost


class TargetError(Exception):
    """An unusable --target; the message says what is accepted."""


def open_target(target: str) -> Host:
    """``local``, ``sandbox:PATH`` (created with the default flavor if absent)."""
    if target == "local":
        return LocalHost()
    if target.startswith("sandbox:"):
        path = Path(target[len("sandbox:"):]).expanduser()
        if not str(path):
            raise TargetError("--target sandbox:PATH needs a path, e.g. sandbox:/tmp/rehearsal")
        from ..sandbox.layout import SandboxPaths

        if not SandboxPaths(path.absolute()).is_sandbox():
            from ..sandbox.create import create

            create(path)
        return SandboxHost(path)
    if target.startswith("ssh://"):
        raise TargetError("ssh:// targets are not supported yet: run qmail-wizard on the "
                          "NetBSD host itself (--target local), or rehearse on sandbox:PATH.")
    raise TargetError(f"--target {target!r} is not one of: local, sandbox:PATH, "
                      "ssh://[user@]host[:port]")
