"""Who may act on a host: a NetBSD host, as root.

Checked once, before anything else is read, so that no command shows what a probe
cut short by missing rights saw (every service "stopped", a profile of a Linux box).
"""

from __future__ import annotations

from .hosts import Host, HostError

#: what the host says it is: its kernel's name, then the uid the wizard acts as
SCRIPT = "uname -s; id -u"


class Refused(HostError):
    """The host is not NetBSD (``system``), or the login is not root (``uid``)."""

    def __init__(self, system: str, uid: int) -> None:
        self.system, self.uid = system, uid
        if system != "NetBSD":
            text = f"this host is {system}, not NetBSD; rehearse with --target sandbox:PATH"
        else:
            text = f"this needs root on the host (you are uid {uid}); run it again as root"
        super().__init__(text)

    @property
    def needs_root(self) -> bool:
        return self.system == "NetBSD"


def admit(host: Host) -> None:
    """Return when ``host`` is NetBSD and the wizard acts there as root; Refused says
    which it is not, HostError when the host cannot tell."""
    result = host.run(["sh", "-c", SCRIPT], timeout=60)
    words = result.stdout.split()
    if not result.ok or len(words) != 2 or not words[1].isdigit():
        said = (result.stdout + result.stderr).strip() or f"exit status {result.rc}"
        raise HostError(f"cannot tell what the host is: '{SCRIPT}' said {said!r}")
    system, uid = words[0], int(words[1])
    if system != "NetBSD" or uid != 0:
        raise Refused(system, uid)
