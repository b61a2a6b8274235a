"""The wizard's flow and its one app factory; the Textual App itself is tui.wizard.

This module imports no Textual: ``create_app`` starts the host probe in a thread first,
so that it runs while Textual and the screens are imported and the first screen paints.
"""
from __future__ import annotations

import importlib
import threading
from concurrent.futures import Future

from .backend.session import HostSummary, Session

#: The screens in order; each name is a module of tui.screens with a ``SCREEN`` class.
FLOW = ("welcome", "options", "accounts", "mail", "services", "review", "apply", "done")


def screen_class(name: str):
    return importlib.import_module(f"{__package__}.screens.{name}").SCREEN


def start_probe(session: Session) -> Future[HostSummary]:
    """``session.probe()`` in a daemon thread; its summary (or HostError) in a Future."""
    probing: Future[HostSummary] = Future()

    def run() -> None:
        try:
            probing.set_result(session.probe())
        except BaseException as exc:       # handed to whoever waits for the summary
            probing.set_exception(exc)

    threading.Thread(target=run, name="qmail-wizard probe", daemon=True).start()
    return probing


def create_app(target: str = "local", profile_path: str | None = None):
    """The one app factory, shared by the CLI, the tests and the screenshot generator."""
    from .commands.target import open_target

    session = Session(open_target(target))
    if profile_path:
        session.load_profile(profile_path)
    probing = start_probe(session)
    from .wizard import WizardApp

    return WizardApp(session, probing=probing)


def __getattr__(name: str):
    """``WizardApp`` on first use (importing it imports Textual)."""
    if name == "WizardApp":
        from .wizard import WizardApp

        return WizardApp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
