"""--target: which host a command acts on."""

from __future__ import annotations

import os
from pathlib import Path

from ..backend.hosts import Host, LocalHost, SandboxHost
from ..sandbox import api as sandbox


class TargetError(Exception):
    """An unusable --target; the message says what is accepted."""


class NeedsRoot(TargetError):
    """A sandbox target, and qmail-wizard does not run as root on this machine."""


def open_target(target: str) -> Host:
    """``local``, ``sandbox:PATH`` (created with the default flavor if absent); HostError
    when that sandbox cannot be created or used."""
    if target == "local":
        return LocalHost()
    if target.startswith("sandbox:"):
        text = target[len("sandbox:") :]
        path = Path(text).expanduser()
        if not text:
            raise TargetError("--target sandbox:PATH needs a path, e.g. sandbox:/tmp/rehearsal")
        if os.geteuid() != 0:
            raise NeedsRoot(
                f"--target sandbox:{text} needs root on this machine (you are uid "
                f"{os.geteuid()}): a sandbox is a container; run qmail-wizard as root"
            )
        if path.exists() and not path.is_dir():
            raise TargetError(
                f"--target sandbox:{text}: that is a file, not a sandbox directory; "
                "give a new path or a sandbox's directory, e.g. sandbox:/tmp/rehearsal"
            )
        try:
            if not sandbox.exists(path):
                sandbox.create(path)
        except OSError as exc:
            raise TargetError(
                f"--target sandbox:{text}: cannot create a sandbox there: {exc.strerror}; "
                "give another path, e.g. sandbox:/tmp/rehearsal"
            ) from None
        return SandboxHost(path)
    if target.startswith("ssh://"):
        raise TargetError(
            "ssh:// targets are not supported yet: run qmail-wizard on the "
            "NetBSD host itself (--target local), or rehearse on sandbox:PATH."
        )
    raise TargetError(
        f"--target {target!r} is not one of: local, sandbox:PATH, ssh://[user@]host[:port]"
    )
