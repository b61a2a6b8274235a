"""TUI test helpers: an app on a fresh sandbox, driven by Textual's Pilot."""

from __future__ import annotations

import pytest

from tui.backend.hosts import SandboxHost
from tui.backend.session import Session
from tui.wizard import WizardApp


@pytest.fixture
def wizard_app(make_sandbox):
    """Factory: wizard_app(flavor="2017Q1") -> (WizardApp, Sandbox)."""

    def factory(flavor: str = "2017Q1", **kwargs):
        box = make_sandbox(flavor, **kwargs)
        return WizardApp(Session(SandboxHost(box.paths.base))), box

    return factory


async def settle(pilot) -> None:
    """Wait until every worker is done and the screen has processed its messages,
    the workers those messages started too (the Welcome starts the probe's second
    stage once it has painted the host)."""
    while True:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()  # ends in a screen update, which queues its after-refresh calls
        await pilot.pause()  # and runs them: the Welcome asks for the catalog in one
        if all(worker.is_finished for worker in pilot.app.workers):
            return
