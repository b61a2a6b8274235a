"""--target: which host a command acts on."""

from __future__ import annotations

import os
from pathlib import Path

from ..backend.hosts import Host
from ..sandbox import api as sandbox


class TargetError(Exception):
    """An unusable --target; the message says what is accepted."""


class NeedsRoot(TargetError):
    """A sandbox target, and qmail-wizard does not run as root on this machine."""


def open_target(target: str, ssh_config: str | None = None, ask_password=None) -> Host:
    """``local``, ``sandbox:PATH`` (created with the default flavor if absent) or
    ``ssh://[user@]host[:port]`` (its master connection opened, ``ssh -F ssh_config``
    when given); HostError when that host cannot be reached or used.  A non-root ssh
    login whose doas/sudo wants a password gets it from ``ask_password(need)`` (the
    terminal by default)."""
    if ssh_config is not None and not target.startswith("ssh://"):
        raise TargetError("--ssh-config applies to ssh:// targets only")
    if target == "local":
        from ..backend.hosts.local import LocalHost

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
        from ..backend.hosts.sandbox import SandboxHost

        return SandboxHost(path)
    if target.startswith("ssh://"):
        return _open_ssh(target, ssh_config, ask_password)
    raise TargetError(
        f"--target {target!r} is not one of: local, sandbox:PATH, ssh://[user@]host[:port]"
    )


def _open_ssh(target: str, ssh_config: str | None, ask_password=None) -> Host:
    from ..backend.hosts.ssh import PasswordNeeded, SshHost
    from ..backend.hosts.sshtext import parse_destination

    try:
        destination = parse_destination(target)
    except ValueError as exc:
        raise TargetError(f"--target {exc}") from None
    if ssh_config is not None:
        config = Path(ssh_config).expanduser()
        if not config.is_file():
            raise TargetError(f"--ssh-config {ssh_config}: no such file")
        ssh_config = str(config.resolve())
    host = SshHost(destination, ssh_config)
    try:
        try:
            return host.open()
        except PasswordNeeded as need:
            return host.open(password=(ask_password or terminal_password)(need))
    except BaseException:
        host.close()
        raise


def terminal_password(need) -> str:
    """The password ``need`` (ssh.PasswordNeeded) names, typed on this terminal without
    echo; PasswordNeeded again when there is no terminal to ask on."""
    import getpass

    try:
        with open("/dev/tty"):
            pass
    except OSError:
        raise need from None
    prompt = f"{need.tool} password for {need.user} on {need.destination}: "
    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise need from None
