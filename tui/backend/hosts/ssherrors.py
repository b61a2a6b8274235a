"""What an ssh target raises for the front end to ask about: a password, a host key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import HostError

if TYPE_CHECKING:
    from .ssh import SshHost
    from .sshtext import Destination

#: stderr lines with which the ssh client (not the remote command) reports a failure
SSH_FAILURES = (
    "ssh:",
    "Host key verification failed",
    "Connection closed",
    "Connection to ",
    "Permission denied (",
    "kex_exchange",
    "mux_client",
    "Control socket",
    "client_loop:",
    "Timeout, server",
)


class PasswordNeeded(HostError):
    """The login is not root and ``tool`` needs ``user``'s password: ask, then open again."""

    def __init__(self, destination: Destination, tool: str, user: str):
        self.destination, self.tool, self.user = destination, tool, user
        super().__init__(
            f"{destination} logs in as {user}, and {tool} needs {user}'s password to act as "
            "root: run it from a terminal, or give the rule 'nopass'"
        )


class UnknownHostKey(HostError):
    """ssh does not know the host's key (the message says how to trust it); the TUI
    shows ``host.host_key()`` and asks before ``host.trust(key)``."""

    def __init__(self, host: SshHost, message: str):
        self.host = host
        super().__init__(message)


def asks_password(stderr_lines: list[str]) -> bool:
    """Whether ``doas -n``/``sudo -n`` failed only for want of a password."""
    text = " ".join(stderr_lines).lower()
    return "authorization required" in text or "password is required" in text
