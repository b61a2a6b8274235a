"""No command: the interactive wizard, started so that the host is read while Textual loads.

``create_app`` opens the target and starts, each in a thread, the host's admission
(NetBSD, as root) and the probe, then imports Textual and the screens (tui.wizard): the
first screen paints while the probe runs.  A refused host raises before the App
exists: no screen ever shows what a probe without root saw.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future

from ..backend.session import Session
from .target import open_target


def create_app(
    target: str = "local", profile_path: str | None = None, ssh_config: str | None = None
):
    """The wizard App for ``--target`` (and ``--profile``), its probe already running;
    raises admission.Refused when the host is not NetBSD or the login not root."""
    session = Session(open_target(target, ssh_config))
    admitted = _in_thread(session.admit)
    if profile_path:
        session.load_profile(profile_path)
    probing = session.probe_in_background()
    from ..wizard import WizardApp

    admitted.result()
    return WizardApp(session, probing=probing)


def _in_thread(function) -> Future:
    """``function()`` in a daemon thread; its result (or exception) in a Future."""
    done: Future = Future()

    def run() -> None:
        try:
            done.set_result(function())
        except BaseException as exc:  # raised again by done.result()
            done.set_exception(exc)

    threading.Thread(target=run, name="qmail-wizard admission", daemon=True).start()
    return done
