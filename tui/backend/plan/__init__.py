"""Turn a profile and a probed host state into a plan (DESIGN §7).

Every step of :data:`~tui.backend.steps.STEP_IDS` is always present; a step with
no actions means that part of the host already matches the profile.  Nothing here
touches the host: the planner only reads the :class:`HostState`.

This module assembles the steps; each group of steps is planned by its own module
(``policy``, ``packages``, ``accounts``, ``mailfiles``, ``maildirs``, ``mta``,
``services``), with the wizard's records in ``records``, the services' input hashes
in ``inputs`` and hand edits in ``drift``.
"""

from __future__ import annotations

import dataclasses

from .. import catalog as catalog_mod
from .. import written
from ..hoststate import HostState
from ..profile.model import Profile
from ..steps import STEP_IDS, Drift, Plan, Step, WriteFile
from .accounts import plan_users
from .drift import resolve_drift
from .features import (
    effective,
    plan_extra_packages,
    plan_ofmip_rules,
    plan_secrets,
    plan_srs_alias,
)
from .maildirs import plan_maildirs
from .mailfiles import plan_aliases, plan_control, plan_tcprules
from .mta import plan_mta_switch, plan_rcconf
from .packages import plan_mkconf, plan_packages, rebuilt
from .policy import PlanError, check_host, install_method, needs_catalog
from .services import plan_baseline, plan_services

__all__ = ["PlanError", "install_method", "make_plan", "needs_catalog"]

TITLES = {
    "preflight": "Check the host",
    "mkconf": "Build settings in /etc/mk.conf",
    "packages": "Install qmail and qmail-run",
    "users": "qmail users and groups",
    "control": "qmail control files",
    "aliases": "System aliases (root, postmaster, mailer-daemon)",
    "maildirs": "Maildirs for existing users and /etc/skel",
    "tcprules": "SMTP access rules (tcp.smtp, compiled to cdb)",
    "mta-switch": "Replace postfix as the system MTA",
    "rcconf": "Services enabled in /etc/rc.conf",
    "services": "Start services (in order)",
    "verify": "Verify qmail (services, SMTP, relay, aliases, a test delivery)",
}
VERIFY_NOTE = (
    "qmail-wizard verify: qmail-send and the enabled listeners run where rc.conf says, "
    "SMTP greets as control/me, rcpthosts is set and relaying is refused, the system "
    "aliases deliver, a test message to postmaster arrives, postfix is off, mailer.conf "
    "points at qmail and nothing else holds the SMTP port. A failing check fails apply."
)


def make_plan(
    profile: Profile,
    state: HostState,
    catalog=None,
    keep: frozenset[str] | set[str] = frozenset(),
    overwrite: frozenset[str] | set[str] = frozenset(),
) -> Plan:
    """The plan; on a host without qmail, later steps show what they will write
    (they are planned again from the real state once the packages are in).

    Files changed by hand since the wizard wrote them are listed in ``plan.drift``:
    a path in ``keep`` is then not written (the admin's version stays), one in
    ``overwrite`` is written (apply backs it up first); any other is undecided and
    apply refuses to run.
    """
    catalog = catalog or catalog_mod.for_host(state)
    check_host(state)
    if profile.services.qmailsmtpd and not profile.mail.rcpthosts:
        raise PlanError(
            "refusing to enable qmailsmtpd with an empty rcpthosts: qmail-smtpd "
            "would relay mail for anyone (an open relay). List your domains in "
            "mail.rcpthosts, or turn services.qmailsmtpd off."
        )
    try:
        return _plan_steps(profile, state, catalog, set(keep), set(overwrite))
    except ValueError as exc:  # a host file the editors cannot read safely (rc.conf ...)
        raise PlanError(f"{exc}; fix that file by hand, then plan again.") from None


def _plan_steps(
    profile: Profile, state: HostState, catalog, keep: set[str], overwrite: set[str]
) -> Plan:
    method = install_method(profile, catalog)
    steps = {step_id: Step(step_id, TITLES[step_id]) for step_id in STEP_IDS}
    drift: dict[str, Drift] = {}
    profile, derived = effective(profile, state, catalog)
    plan_baseline(steps["preflight"], state)
    plan_mkconf(steps["mkconf"], profile, state, catalog, method)
    rebuild = plan_packages(steps["packages"], profile, state, catalog, method)
    plan_extra_packages(steps["packages"], profile, state, catalog, method)
    plan_users(steps["users"], profile, state, rebuild)
    plan_control(steps["control"], profile, state)
    plan_secrets(steps["control"], profile, state, catalog)
    plan_aliases(steps["aliases"], profile, state)
    plan_srs_alias(steps["aliases"], profile, state)
    steps["aliases"].notes.extend(n for n in derived if "first ordinary user" in n)
    steps["control"].notes.extend(n for n in derived if "first ordinary user" not in n)
    plan_maildirs(steps["maildirs"], profile, state, steps["control"])
    plan_tcprules(steps["tcprules"], profile, state, catalog)
    plan_ofmip_rules(steps["tcprules"], profile, state, catalog)
    plan_mta_switch(steps["mta-switch"], profile, state)
    plan_rcconf(steps["rcconf"], profile, state, catalog)
    for step_id in STEP_IDS[: STEP_IDS.index("services")]:
        resolve_drift(steps[step_id], state, keep, overwrite, drift)
    planned = _planned(state, steps.values())
    if rebuild:  # the services will run the build the profile asks for
        planned = rebuilt(planned, profile, catalog)
    plan_services(steps["services"], profile, planned)
    steps["verify"].notes.append(VERIFY_NOTE)
    damage = written.load(state.text(written.WRITTEN)).damage
    return Plan(
        [steps[step_id] for step_id in STEP_IDS],
        list(drift.values()),
        written.damage_message(damage) if damage else "",
    )


def _planned(state: HostState, steps) -> HostState:
    """``state`` as it will be once the files these steps write are written."""
    files = dict(state.files)
    for step in steps:
        files.update((a.path, a.new) for a in step.actions if isinstance(a, WriteFile))
    return dataclasses.replace(state, files=files)
