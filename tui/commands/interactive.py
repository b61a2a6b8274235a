"""No command: the interactive wizard, started so that the host is read while Textual loads.

``create_app`` opens the target and starts the probe's first stage (in a helper process
when the host's commands run here, probehelper; in a thread for ssh), whose first lines
judge the host's admission (NetBSD, as root), then imports Textual and the Welcome
(tui.wizard) while it runs.  A refused host raises before the App exists: no screen
ever shows what a probe without root saw.
"""

from __future__ import annotations

from ..backend.session import Session
from .target import open_target


def create_app(
    target: str = "local", profile_path: str | None = None, ssh_config: str | None = None
):
    """The wizard App for ``--target`` (and ``--profile``), its probe already running;
    raises admission.Refused when the host is not NetBSD or the login not root."""
    session = Session(connect(target, ssh_config))
    if profile_path:  # before the probe: its second stage prefills only without one
        session.load_profile(profile_path)
    probing = session.probe_in_background(helper=True)
    from ..wizard import WizardApp

    probing.admitted.result()
    return WizardApp(session, probing=probing)


def connect(target: str, ssh_config: str | None = None):
    """open_target, asking on screen what an ssh target needs: an unknown host key is
    shown and trusted only on Accept (Reject raises the headless error), a doas/sudo
    password is typed in a masked field."""
    if not target.startswith("ssh://"):
        return open_target(target, ssh_config)
    from ..backend.hosts.ssh import UnknownHostKey

    while True:
        try:
            return open_target(target, ssh_config, ask_password=screen_password)
        except UnknownHostKey as unknown:
            if not trust_on_screen(unknown):
                raise


def trust_on_screen(unknown) -> bool:
    """Show the host's key; on Accept add it to the known_hosts file ssh uses."""
    from ..screens.sshprompt import HostKeyScreen, ask

    host = unknown.host
    key = host.host_key()
    known_hosts = host.known_hosts()
    if not ask(HostKeyScreen(str(host.destination), key.type, key.fingerprint, known_hosts)):
        return False
    host.trust(key)
    return True


def screen_password(need) -> str:
    """The doas/sudo password (``need``: ssh.PasswordNeeded) typed in a masked field;
    ``need`` raised when cancelled."""
    from ..screens.sshprompt import PasswordScreen, ask

    question = f"{need.tool} on {need.destination} needs the password of {need.user}:"
    answer = ask(PasswordScreen(question))
    if answer is None:
        raise need
    return answer
