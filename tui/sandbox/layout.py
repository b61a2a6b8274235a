"""Where a sandbox keeps things, on the machine and inside the container.

A sandbox directory ``PATH`` holds:

- ``PATH/root/``    the NetBSD host's file tree (``/etc``, ``/var``, ``/usr/pkg`` ...);
- ``PATH/control/`` the simulator's own state, visible inside as ``/.sandbox``:
  ``sandbox.json`` (flavor, hostname, published ports), ``faults.yaml`` (fault injection),
  ``bin/python`` (the interpreter wrapper every simulated program starts with),
  ``argv0/`` (interpreter links named after daemons, so ``ps`` shows their names);
- ``PATH/run/``     machine-side state: the container's pid, the port forwarder's pid
  and the boot log.
"""

from __future__ import annotations

import os
from collections import namedtuple

TYPE_CHECKING = False  # not typing's: its import costs each simulated program ~10 ms
if TYPE_CHECKING:
    from pathlib import Path

CONTROL_MOUNT = "/.sandbox"
CONFIG_NAME = "sandbox.json"
FAULTS_NAME = "faults.yaml"
PYTHON_WRAPPER = f"{CONTROL_MOUNT}/bin/python"
#: The machine's interpreter as pkgsrc's python package runs it (no simulator on its path).
PKG_PYTHON = f"{CONTROL_MOUNT}/bin/pkg-python"
ARGV0_DIR = f"{CONTROL_MOUNT}/argv0"

#: PATH for commands run inside, as a NetBSD login shell of root would have it.
NETBSD_PATH = (
    "/sbin:/usr/sbin:/bin:/usr/bin:/usr/pkg/sbin:/usr/pkg/bin:/usr/local/sbin:/usr/local/bin"
)


class SandboxPaths(namedtuple("SandboxPaths", "base")):
    """The paths of the sandbox at ``base`` (a Path).  A plain record, not a dataclass:
    every simulated program imports this module, and ``dataclasses`` costs a Python
    start ~16 ms of CPU."""

    __slots__ = ()
    base: Path

    @property
    def root(self) -> Path:
        return self.base / "root"

    @property
    def control(self) -> Path:
        return self.base / "control"

    @property
    def run(self) -> Path:
        return self.base / "run"

    @property
    def config_file(self) -> Path:
        return self.control / CONFIG_NAME

    @property
    def faults_file(self) -> Path:
        return self.control / FAULTS_NAME

    @property
    def pid_file(self) -> Path:
        return self.run / "container.pid"

    @property
    def forward_pid_file(self) -> Path:
        return self.run / "forward.pid"

    @property
    def boot_log(self) -> Path:
        return self.run / "boot.log"

    def host_path(self, netbsd_path: str) -> Path:
        """The machine path of a NetBSD path (no symlink resolution)."""
        return self.root / netbsd_path.lstrip("/")

    def is_sandbox(self) -> bool:
        return self.config_file.is_file() and self.root.is_dir()

    def load_config(self) -> dict:
        import json

        return json.loads(self.config_file.read_text())


def inside_config() -> dict:
    """The sandbox config, read from inside the container."""
    import json

    with open(os.path.join(CONTROL_MOUNT, CONFIG_NAME)) as fh:
        return json.load(fh)


def inside_flavor():
    """The :class:`~tui.sandbox.flavors.Flavor` of the sandbox we run in."""
    from .flavors import get_flavor

    return get_flavor(inside_config()["flavor"])


def pace() -> float:
    """Factor for every simulated delay (downloads, builds): 1.0 is realistic."""
    try:
        return float(inside_config().get("pace", 1.0))
    except (OSError, ValueError):
        return 1.0
