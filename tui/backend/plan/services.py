"""The services step (start, stop, restart or reload each service as the profile and
its changed inputs ask), and the preflight step's baseline of a running qmail."""

from __future__ import annotations

from ..facts import SERVICES
from ..hoststate import HostState
from ..profile.model import Profile
from ..steps import RunCommand, Step, WriteFile
from .inputs import HUP_INPUTS, service_inputs
from .records import SERVICES_RECORD, record_text, services_recorded

#: rc.d start returns before the daemon runs (qmail-run starts it with "&"), so a
#: start is followed by polling its status for up to 10 s; when the daemon never
#: comes up, the last status line ("... is not running.") fails the step.
WAIT_RUNNING = (
    'i=0; until "$0" status >/dev/null 2>&1; do i=$((i+1)); '
    '[ $i -lt 50 ] || exec "$0" status; sleep 0.2; done; exec "$0" status'
)


def plan_baseline(step: Step, state: HostState) -> None:
    """A running qmail the wizard has no record of (installed by hand): record what
    its services run with now, before anything changes, so that a later change of
    their inputs restarts or reloads them."""
    if state.text(SERVICES_RECORD) is not None:
        return
    current = service_inputs(state)
    running = {s: current[s] for s in SERVICES if state.running(s)}
    if running:
        step.actions.append(
            WriteFile(SERVICES_RECORD, None, record_text(running), 0o600, bookkeeping=True)
        )


def _not_started(service: str) -> str:
    return (
        f"{service} did not start; its messages are in /var/log/maillog "
        f"(and /etc/rc.d/{service} status says why)"
    )


def _wait_running(service: str) -> RunCommand:
    """Poll ``status`` for up to 10 s: a daemon can die right after rc.d started it."""
    return RunCommand(
        ("sh", "-c", WAIT_RUNNING, f"/etc/rc.d/{service}"),
        failure=f"{service} was started but is not running 10 s later; why is in /var/log/maillog",
    )


def plan_services(step: Step, profile: Profile, state: HostState) -> None:
    """``state`` is the host as planned (control files already written)."""
    recorded = services_recorded(state)
    current = service_inputs(state)
    for service in SERVICES:
        script = f"/etc/rc.d/{service}"
        enabled = getattr(profile.services, service)
        running = state.running(service)
        before = recorded.get(service)
        # an input the record lacks (written by an older wizard) is not a change
        changed = {
            k for k, v in current[service].items() if before is not None and before.get(k, v) != v
        }
        if enabled and not running:
            step.actions.append(RunCommand((script, "start"), failure=_not_started(service)))
            step.actions.append(_wait_running(service))
            step.risks.append(f"starts {service}")
        elif not enabled and running:
            step.actions.append(RunCommand((script, "stop")))
            step.risks.append(f"stops {service}")
        elif enabled and changed:
            if changed <= set(HUP_INPUTS.get(service, ())):
                step.actions.append(RunCommand((script, "reload")))
                step.risks.append(f"reloads {service} ({', '.join(sorted(changed))})")
            else:
                step.actions.append(RunCommand((script, "restart"), failure=_not_started(service)))
                step.actions.append(_wait_running(service))
                step.risks.append(f"restarts {service} ({', '.join(sorted(changed))})")
    wanted = {s: current[s] for s in SERVICES if getattr(profile.services, s)}
    if step.actions or recorded != wanted:
        step.actions.append(
            WriteFile(
                SERVICES_RECORD,
                state.text(SERVICES_RECORD),
                record_text(wanted),
                0o600,
                bookkeeping=True,
            )
        )
