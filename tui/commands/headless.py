"""probe, plan, apply, validate: the headless commands of DESIGN §5.

Each returns the exit status; user errors are one paragraph on stderr, never a
traceback.  The host work goes through a ``Session``, as in the TUI.
"""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import asdict
from pathlib import Path

from ..backend import catalog as catalog_mod
from ..backend.hosts import Host, HostError
from ..backend.profile import ProfileError, read, validate
from ..backend.profile.yamlsrc import SourceError
from ..backend.vis import vis
from .answer import ask

# The Session (and with it apply, probe, plan, pexpect and psutil) is imported by the
# commands that use it: `validate` starts in a fraction of the time.


def _fail(message: str) -> int:
    print(vis(f"qmail-wizard: {message}", keep_newlines=True), file=sys.stderr)
    return 1


def _load_checked(path: str, state, catalog=None, loaded=None):
    """The profile at ``path`` (``loaded``: already read from there) validated against
    the host (its ``catalog`` when given) or the built-in tables; ``state`` is a probed
    HostState or None."""
    loaded = loaded or read(Path(path), path)
    profile, lines = loaded.profile, loaded.lines
    if state is not None and state.is_netbsd:
        catalogs = [catalog or catalog_mod.for_host(state)]
        users = set(state.users())
    else:
        catalogs = [catalog_mod.builtin(era) for era in ("2017Q1", "2020Q2")]
        users = None
    results = [validate(profile, c, users, path, lines) for c in catalogs]
    best = min(results, key=len)
    if best:
        raise ProfileError(best)
    return profile


def cmd_validate(path: str, host: Host | None) -> int:
    state = None
    if host is not None:
        from ..backend.session import Session

        try:
            state = Session(host).read()
        except HostError:
            state = None
    try:
        _load_checked(path, state)
    except (ProfileError, SourceError) as exc:
        return _fail(str(exc))
    where = "this host" if state is not None and state.is_netbsd else "the built-in option tables"
    print(f"{path}: valid (checked against {where}).")
    return 0


def cmd_probe(host: Host, fmt: str) -> int:
    from ..backend.profile import dump
    from ..backend.session import Session

    session = Session(host)
    try:
        session.read()
        profile = session.discover()
    except HostError as exc:
        return _fail(str(exc))
    if fmt == "json":  # the profile, and where each value read from the host came from
        document = {"profile": asdict(profile), "sources": dict(sorted(session.sources.items()))}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        sys.stdout.write(dump(profile))
    return 0


def _plan(host: Host, path: str, overwrite_drift: bool = False):
    """(the session, its plan): the profile at ``path`` planned on ``host``; with
    ``overwrite_drift`` the plan overwrites every drifted file (``session.overwrite``)."""
    from ..backend.session import Session

    session = Session(host)
    loaded = read(Path(path), path)  # the option catalog is read only if its plan needs it
    state = session.read_for(loaded.profile)
    session.profile = _load_checked(path, state, session.catalog, loaded)
    session.profile_path = path
    plan = session.make_plan(fresh=False)
    if overwrite_drift:
        session.overwrite = {d.path for d in plan.drift}
        if session.overwrite:
            plan = session.make_plan(fresh=False)
    return session, plan


def _drift_refusal(plan, path: str) -> str:
    files = "".join(
        f"\n  {d.path}" + (" (deleted)" if d.now is None else "") for d in plan.undecided
    )
    damage = f"{plan.damage}.\n" if plan.damage else ""
    return (
        f"{damage}refusing to apply {path}: it would overwrite files changed by hand since "
        f"qmail-wizard wrote them:{files}\nNothing was changed. `qmail-wizard plan "
        f"{path}` shows what qmail-wizard wrote and what is there now. To take the "
        f"profile's version (yours is backed up first): qmail-wizard apply {path} "
        f"--overwrite-drift. To keep yours: edit the profile to match the file "
        f"(`qmail-wizard probe` prints the values the host has), then apply again."
    )


def cmd_plan(host: Host, path: str, fmt: str) -> int:
    from ..backend.plan import PlanError
    from ..backend.report import plan_json, plan_text

    try:
        session, plan = _plan(host, path)
    except (ProfileError, SourceError, PlanError, HostError) as exc:
        return _fail(str(exc))
    if fmt == "json":
        sys.stdout.write(plan_json(plan, session.method()))
    else:
        state = session.probed
        header = f"Plan for {state.hostname} ({state.uname}), profile {path}"
        sys.stdout.write(plan_text(plan, session.method(), header))
        if plan.pending:
            print(f"Apply it with: qmail-wizard apply {path}")
    return 2 if plan.pending else 0


def cmd_apply(
    host: Host,
    path: str,
    yes: bool,
    resume: bool,
    overwrite_drift: bool = False,
    keep_test_message: bool = False,
    verbose: bool = False,
    target: str = "local",
) -> int:
    """Exit 0 applied, 1 failed or declined (Ctrl+D at the prompt too), 130 Ctrl+C."""
    from ..backend import apply as apply_mod
    from ..backend.plan import PlanError
    from .applyrun import run_apply
    from .plantable import plan_table

    wizard = "qmail-wizard" + ("" if target == "local" else f" --target {shlex.quote(target)}")
    try:
        session, plan = _plan(host, path, overwrite_drift)
    except (ProfileError, SourceError, PlanError, HostError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _interrupted_before()
    if plan.undecided:
        return _fail(_drift_refusal(plan, path))
    if plan.pending and not yes and not resume:
        header = f"Plan for {session.probed.hostname}, profile {path} ({session.method()}):"
        sys.stdout.write(plan_table(plan, header, f"{wizard} plan {shlex.quote(path)}"))
        if not sys.stdin.isatty():
            return _fail(
                "apply changes the host: review the plan above and confirm with "
                f"'{wizard} apply {path} --yes'."
            )
        try:
            answer = ask("Apply these changes? [y/N] ").strip().lower()
        except KeyboardInterrupt:
            return _interrupted_before()
        except EOFError:
            print("\nNothing changed (no answer).")
            return 1
        if answer not in ("y", "yes"):
            print("Nothing changed.")
            return 1
    try:
        return run_apply(session, path, resume, verbose, wizard, keep_test_message)
    except (apply_mod.LockHeld, apply_mod.ApplyError, PlanError, HostError) as exc:
        return _fail(str(exc))


def _interrupted_before() -> int:
    print("\nInterrupted: nothing changed.", file=sys.stderr)
    return 130
