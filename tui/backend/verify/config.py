"""What verify reads of the host's configuration: where each listener binds (its
rc.d script's knobs over their defaults, rc.conf's values) and control/me."""

from __future__ import annotations

from dataclasses import dataclass

from .. import rcscript
from ..facts import CONTROL
from ..files import control
from ..hosts import Host, HostError
from ..hoststate import HostState

#: qmail-run's listen defaults, used only when the rc.d script cannot be read
LISTEN_DEFAULTS = {
    "qmailsmtpd": ("0", "25"),
    "qmailqread": ("127.0.0.1", "20025"),
    "qmailpop3d": ("0", "110"),
    "qmailofmipd": ("127.0.0.1", "26"),
}


def rc_script(host: Host, state: HostState, name: str) -> str:
    """The installed /etc/rc.d/<name> ('' when it cannot be read)."""
    script = state.text(f"/etc/rc.d/{name}")
    if script is None:
        try:
            script = host.read_text(f"/etc/rc.d/{name}")
        except HostError:
            script = ""
    return script


@dataclass
class Listen:
    """Where a listener binds, and how that was decided: the knob that set each value
    (None: the script fixes it) and whether /etc/rc.conf set one of them."""

    address: str
    port: int
    knobs: tuple[str, ...]
    from_rc_conf: bool


def listen(host: Host, state: HostState, name: str) -> Listen:
    """Where the listener ``name`` binds, learnt from its installed rc.d script: the
    rc.conf knobs it reads (over their defaults in the script) or its fixed address."""
    spec = rcscript.listen_spec(rc_script(host, state, name), name)
    if spec is None:  # no readable script: qmail-run's defaults, no knob known
        spec = rcscript.ListenSpec(*LISTEN_DEFAULTS[name], None, None)
    values, from_rc_conf, rc = [], False, state.rc_conf()
    for knob, default in ((spec.host_knob, spec.host), (spec.port_knob, spec.port)):
        value = rc.value(knob) if knob else None
        from_rc_conf |= value is not None
        values.append(default if value is None else value)
    port = int(values[1]) if values[1].isdigit() else int(spec.port)
    knobs = tuple(k for k in (spec.host_knob, spec.port_knob) if k)
    return Listen(values[0], port, knobs, from_rc_conf)


def listen_address(host: Host, state: HostState, name: str) -> tuple[str, int]:
    """(address, port) the listener ``name`` binds (see ``listen``)."""
    where = listen(host, state, name)
    return where.address, where.port


def smtp_address(host: Host, state: HostState) -> tuple[str, int]:
    """Where to connect to qmailsmtpd (0 / 0.0.0.0 means every address: use loopback)."""
    address, port = listen_address(host, state, "qmailsmtpd")
    return connectable(address), port


def connectable(address: str) -> str:
    """An address to connect to for one a server binds (0, 0.0.0.0, ::: loopback)."""
    return "127.0.0.1" if address in ("", "0", "0.0.0.0", "::") else address


def control_me(state: HostState) -> str:
    """control/me: the name qmail uses for this host."""
    return control.value(state.text(f"{CONTROL}/me") or "")
