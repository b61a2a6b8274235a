"""Hosts qmail-wizard acts on: the local machine or a simulated NetBSD sandbox."""
from .base import FileStat, Host, HostError, Listener, ProcessInfo, Result
from .local import LocalHost
from .sandbox import SandboxHost

__all__ = ["FileStat", "Host", "HostError", "Listener", "LocalHost", "ProcessInfo",
           "Result", "SandboxHost"]
