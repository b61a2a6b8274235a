"""Waiting for a daemon's effect: poll a condition until a deadline (never a fixed sleep)."""

from __future__ import annotations

import time


def wait_for(predicate, timeout: float = 20.0):
    """Poll ``predicate`` until it is truthy or the deadline passes; its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return predicate()
