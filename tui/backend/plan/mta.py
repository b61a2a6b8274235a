"""The system's side: replacing postfix as the MTA, and the services rc.conf enables."""

from __future__ import annotations

from ..facts import QMAIL_EXAMPLE_MAILER, SERVICES
from ..files import mailerconf, rcconf
from ..hoststate import HostState
from ..profile.model import Profile
from ..steps import RunCommand, Step, WriteFile
from .features import rc_knobs


def plan_mta_switch(step: Step, profile: Profile, state: HostState) -> None:
    if not profile.services.replace_mta:
        return
    if state.running("postfix"):
        step.actions.append(RunCommand(("/etc/rc.d/postfix", "stop")))
        step.risks.append("stops postfix")
    rc_conf = state.text("/etc/rc.conf") or ""
    if rcconf.get(rc_conf, "postfix") != "NO":
        step.actions.append(
            WriteFile("/etc/rc.conf", rc_conf, rcconf.set_vars(rc_conf, {"postfix": "NO"}))
        )
        step.risks.append("disables postfix at boot")
    example = state.text(QMAIL_EXAMPLE_MAILER)
    mapping = mailerconf.parse(example) if example else mailerconf.QMAIL_MAP()
    current = state.text("/etc/mailer.conf") or ""
    switched = mailerconf.switch(current, mapping)  # other names (local entries) stay
    if switched != current:
        step.actions.append(WriteFile("/etc/mailer.conf", current, switched))
        step.risks.append("switches /etc/mailer.conf to qmail")


def plan_rcconf(step: Step, profile: Profile, state: HostState, catalog) -> None:
    rc_conf = state.text("/etc/rc.conf") or ""
    wanted = {name: "YES" if getattr(profile.services, name) else "NO" for name in SERVICES}
    # an unset knob already means disabled: NO is written only over another value
    changes = {
        name: value
        for name, value in wanted.items()
        if rcconf.get(rc_conf, name) not in (value, None if value == "NO" else value)
    }
    knobs = rc_knobs(profile, state, catalog)
    if knobs:
        step.notes.append(
            "Sets " + ", ".join(f"{k}={v!r}" for k, v in knobs.items()) + " (mail features)."
        )
    changes.update(knobs)
    if changes:
        step.actions.append(WriteFile("/etc/rc.conf", rc_conf, rcconf.set_vars(rc_conf, changes)))
