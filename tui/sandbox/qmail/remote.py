"""qmail-remote's answer in the sandbox: it has no DNS, so every host lookup soft-fails."""

from __future__ import annotations

#: qmail-remote's temp_dns() text (a deferral; qmail-send retries later).
NO_HOST = "ZSorry, I couldn't find any host by that name. (#4.1.2)\n"


def attempt(host: str, sender: str, recipients: list[str]) -> str:
    """The K/Z/D report of one remote delivery attempt."""
    return NO_HOST
