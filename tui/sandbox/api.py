"""The simulator's one door: all the product (tui/ outside tui/sandbox) uses of it.

A sandbox is named by its directory.  Importing this module is cheap (the CLI's
``--help`` needs only the flavor names); each function imports the simulator's
modules it needs when called.  A failed sandbox operation raises the Host's own
error (:class:`~tui.backend.hosts.base.HostError`, the message says what to do);
the simulator's SandboxError never passes this door.  Tests may use the simulator's
modules directly.
"""

from __future__ import annotations

import functools
from pathlib import Path

#: The pkgsrc branches a sandbox can simulate (flavors.FLAVORS' keys, sorted).
FLAVOR_NAMES = ("2017Q1", "2020Q2")
DEFAULT_FLAVOR = "2017Q1"


def _host_errors(function):
    """``function`` with SandboxError re-raised as HostError (same message)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        from ..backend.hosts.base import HostError
        from .container import SandboxError

        try:
            return function(*args, **kwargs)
        except SandboxError as exc:
            raise HostError(str(exc)) from None

    return wrapper


def _paths(path: str | Path):
    from .layout import SandboxPaths

    return SandboxPaths(Path(path).absolute())


def exists(path: str | Path) -> bool:
    """Whether ``path`` holds a sandbox."""
    return _paths(path).is_sandbox()


def require(path: str | Path) -> Path:
    """The sandbox directory ``path`` (absolute); HostError when it holds none."""
    if not exists(path):
        from ..backend.hosts.base import HostError

        raise HostError(
            f"{path} is not a sandbox: create one with 'qmail-wizard sandbox create {path}'."
        )
    return Path(path).absolute()


def root(path: str | Path) -> Path:
    """The machine directory holding the sandbox's NetBSD file tree (its ``/``)."""
    return _paths(path).root


def parse_publish(text: str) -> tuple[int, int]:
    """``MACHINEPORT:PORT`` -> (machine port, sandbox port); ValueError says why."""
    from .forward import parse_publish

    return parse_publish(text)


@_host_errors
def create(
    path: str | Path,
    flavor: str = DEFAULT_FLAVOR,
    hostname: str = "mail.example.org",
    admin_user: str = "admin",
    publish: list[tuple[int, int]] | None = None,
    ssh_port: int | None = None,
    authorized_key: str | Path | None = None,
) -> Path:
    """Build a fresh sandbox at ``path`` and boot it; its absolute directory.  With
    ``ssh_port`` its sshd runs, published on the machine's 127.0.0.1:``ssh_port``, and
    root logs in with the public key file ``authorized_key``."""
    from .create import create

    return create(Path(path), flavor, hostname, admin_user, publish, ssh_port, authorized_key).base


@_host_errors
def stop(path: str | Path) -> None:
    """Shut the sandbox down as NetBSD does: rc.shutdown, then every process ends."""
    from . import container

    container.stop(_paths(path))


@_host_errors
def enter_argv(
    path: str | Path, argv: list[str], env: dict | None = None, cwd: str = "/root"
) -> list[str]:
    """The machine argv that runs ``argv`` inside the sandbox (booted first if down)."""
    from . import container

    return container.enter_argv(_paths(path), argv, env=env, cwd=cwd)


def machine_pids(path: str | Path) -> list[int]:
    """Machine pids of every process of the sandbox (none when it is down)."""
    from . import container

    return container.namespace_pids(_paths(path))


def connect(
    path: str | Path, address: str, port: int, timeout: float = 10.0, source: str | None = None
):
    """A TCP socket made inside the sandbox's network, connected to ``address:port``
    there (from its own ``source`` address when given); OSError when it cannot be,
    as for a plain connect, also when the sandbox is down."""
    import errno

    from . import container, netns

    pid = container.container_pid(_paths(path))
    if pid is None:
        raise netns.NetnsError(
            errno.ENETDOWN, f"the sandbox at {Path(path).absolute()} is not running"
        )
    return netns.connect(pid, address, port, timeout, source)


def listeners(path: str | Path) -> list[tuple[str, int, int | None]]:
    """(address, port, machine pid of its holder or None) of every listening TCP socket
    of the sandbox's network; none when it is down."""
    from . import container, netns

    paths = _paths(path)
    pid = container.container_pid(paths)
    if pid is None:
        return []
    return netns.listening(pid, container.namespace_pids(paths))


def __getattr__(name: str):
    """``Sandbox``: a sandbox as an object (create, exec, read, smtp, stop), imported
    on first use."""
    if name == "Sandbox":
        from .handle import Sandbox

        return Sandbox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
