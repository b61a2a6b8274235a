"""Hosts qmail-wizard acts on: the local machine or a simulated NetBSD sandbox.

LocalHost and SandboxHost are imported on first use (they bring psutil; SandboxHost
reaches the simulator through tui.sandbox.api), so importing Host or HostError stays
cheap.
"""

from .base import FileStat, Host, HostError, Listener, ProcessInfo, Result

__all__ = [
    "FileStat",
    "Host",
    "HostError",
    "Listener",
    "LocalHost",
    "ProcessInfo",
    "Result",
    "SandboxHost",
]


def __getattr__(name: str):
    if name == "LocalHost":
        from .local import LocalHost

        return LocalHost
    if name == "SandboxHost":
        from .sandbox import SandboxHost

        return SandboxHost
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
