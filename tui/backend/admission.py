"""Who may act on a host: a NetBSD host, as root.

Checked before anything else is read, so that no command shows what a probe cut short
by missing rights saw (every service "stopped", a profile of a Linux box): by
``admit`` (the headless commands), or by the probe's first lines (the TUI: one round
trip fewer before its first screen).
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

    def __reduce__(self):  # pickled by the probe's helper process (probehelper)
        return (Refused, (self.system, self.uid))

    @property
    def needs_root(self) -> bool:
        return self.system == "NetBSD"


def admit(host: Host) -> None:
    """Return when ``host`` is NetBSD and the wizard acts there as root; Refused says
    which it is not, HostError when the host cannot tell."""
    result = host.run(["sh", "-c", SCRIPT], timeout=60)
    words = result.stdout.split()
    said = (result.stdout + result.stderr).strip() or f"exit status {result.rc}"
    if not result.ok or len(words) != 2 or not words[1].isdigit():
        words = ["", ""]
    judge(words[0], int(words[1]) if words[1] else None, SCRIPT, said)


def judge(system: str, uid: int | None, asked: str, said: str) -> None:
    """Return when ``system`` (``uname -s``) is NetBSD and ``uid`` (``id -u``) is 0;
    Refused says which it is not; HostError when either is missing (``asked``: the
    commands, ``said``: the host's answer)."""
    if not system or uid is None:
        raise HostError(f"cannot tell what the host is: '{asked}' said {said!r}")
    if system != "NetBSD" or uid != 0:
        raise Refused(system, uid)
