"""No command: the interactive wizard, started so that the host is read while Textual loads.

``create_app`` opens the target and starts the probe in a thread (its first lines
judge the host's admission: NetBSD, as root), then imports Textual and the Welcome
(tui.wizard): the first screen paints while the probe runs.  A refused host raises
before the App exists: no screen ever shows what a probe without root saw.
"""

from __future__ import annotations

from ..backend.session import Session
from .target import open_target


def create_app(
    target: str = "local", profile_path: str | None = None, ssh_config: str | None = None
):
    """The wizard App for ``--target`` (and ``--profile``), its probe already running;
    raises admission.Refused when the host is not NetBSD or the login not root."""
    session = Session(open_target(target, ssh_config))
    if profile_path:  # before the probe: its second stage prefills only without one
        session.load_profile(profile_path)
    probing = session.probe_in_background()
    from ..wizard import WizardApp

    probing.admitted.result()
    return WizardApp(session, probing=probing)
