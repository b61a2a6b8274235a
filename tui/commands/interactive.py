"""No command: the interactive wizard, started so that the host is read while Textual loads.

``create_app`` opens the target and starts the probe in a thread before it imports
Textual and the screens (tui.wizard): the first screen paints while the probe runs.
"""

from __future__ import annotations

from ..backend.session import Session
from .target import open_target


def create_app(
    target: str = "local", profile_path: str | None = None, ssh_config: str | None = None
):
    """The wizard App for ``--target`` (and ``--profile``), its probe already running."""
    session = Session(open_target(target, ssh_config))
    if profile_path:
        session.load_profile(profile_path)
    probing = session.probe_in_background()
    from ..wizard import WizardApp

    return WizardApp(session, probing=probing)
