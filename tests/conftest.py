"""Shared fixtures: fresh sandboxes that are always stopped afterwards."""
from __future__ import annotations

import pytest

from tui.sandbox.handle import Sandbox

#: Delay factor for tests that do not measure pacing (downloads, builds).
FAST = 0.02


@pytest.fixture
def make_sandbox(tmp_path):
    """Factory: make_sandbox(flavor="2017Q1", pace=FAST, **kw) -> Sandbox."""
    created = []

    def factory(flavor: str = "2017Q1", pace: float = FAST, name: str | None = None, **kwargs):
        box = Sandbox.create(tmp_path / (name or f"sb{len(created)}"), flavor=flavor,
                             pace=pace, **kwargs)
        created.append(box)
        return box

    yield factory
    for box in created:
        box.stop()


@pytest.fixture(params=["2017Q1", "2020Q2"])
def flavor(request):
    return request.param


@pytest.fixture
def sandbox(make_sandbox, flavor):
    """A fresh sandbox of each flavor."""
    return make_sandbox(flavor)
