"""One wizard session: the host, what the probe saw, the profile being edited, the plan.

The TUI keeps one Session and hands it to its screens; every method that touches
the host is blocking and is called from a worker thread, never from the UI loop.
What the first screen does not need (discover, profile, plan) is imported on first
use: the Welcome's probe starts before they load.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import catalog as catalog_mod
from . import procmatch
from .facts import SERVICES
from .hosts import Host, safefile
from .hoststate import HostState
from .model import ACCOUNT_DEFAULTS, ACCOUNT_VARS, Profile
from .probe import probe, read_catalog
from .steps import Plan, WriteFile
from .verify import Check, smtp_address

if TYPE_CHECKING:
    from .profile import Problem


@dataclass
class HostSummary:
    """What the Welcome screen tells the admin about the host."""

    release: str
    hostname: str
    pkg_tools: list[str]
    repository: str
    mta: str
    port_holder: str
    qmail: str  # "" on a fresh host, else "qmail-1.03nb27"
    fresh: bool
    #: what is installed, for reconfiguring (("" ...) on a fresh host); the build
    #: options need the catalog: Session.built_options()
    qmail_run: str = ""  # "qmail-run-20170406"
    accounts: str = ""  # "default names" or "daemon=qmaild2, log=qmaill2"
    running: str = ""  # "qmailsend, qmailsmtpd"
    port_names: str = ""  # the SMTP port's holders without pids


@dataclass
class Probing:
    """A probe in two stages running in the background: the host (the Welcome's
    summary), then the option catalog (Session.read_catalog); each Future holds the
    stage's result or its HostError (the catalog's also when the host stage failed)."""

    summary: Future[HostSummary]
    catalog: Future[None]


@dataclass
class Session:
    host: Host
    state: HostState | None = None
    catalog: object = None
    profile: Profile | None = None
    profile_path: str | None = None
    plan: Plan | None = None
    #: the checks of the last apply's verify step (set by the Apply screen)
    checks: list[Check] = field(default_factory=list)
    #: drifted files (plan.drift) the admin keeps / lets the profile overwrite
    keep: set[str] = field(default_factory=set)
    overwrite: set[str] = field(default_factory=set)
    #: where each prefilled value was read: key path ("mail.locals") -> "path:line"
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def reconfigure(self) -> bool:
        """qmail is installed: the wizard changes an existing setup."""
        return self.state is not None and "qmail" in self.state.packages

    def probe(self) -> HostSummary:
        """Read the host but its option catalog (one round trip, plus its sockets);
        ``read_catalog()`` is the second stage."""
        self.state = probe(self.host, catalog=False)
        _address, port = smtp_address(self.host, self.state)
        names = {p.pid: procmatch.program(p) for p in self.host.processes()}  # argv[0]
        pids = sorted(
            {(names.get(s.pid, "?"), s.pid) for s in self.host.listeners() if s.port == port}
        )
        summary = self.summary(port, [f"{name} (pid {pid})" for name, pid in pids])
        summary.port_names = f"port {port}: " + (
            ", ".join(sorted({name for name, _pid in pids})) or "free"
        )
        return summary

    def read_catalog(self) -> None:
        """The probe's second stage (one round trip: make show-options, the binary
        packages' options): the option catalog, then the profile prefilled."""
        state = self.state
        assert state is not None, "read_catalog() follows probe()"
        from .discover import profile_from_state

        read_catalog(self.host, state)
        self.catalog = catalog_mod.for_host(state)
        if self.profile is None:
            self.sources.clear()
            self.profile = profile_from_state(state, self.catalog, self.sources)

    def probe_in_background(self) -> Probing:
        """``probe()`` then ``read_catalog()`` in a daemon thread."""
        probing = Probing(Future(), Future())

        def run() -> None:
            try:
                probing.summary.set_result(self.probe())
            except BaseException as exc:  # handed to whoever waits for either stage
                probing.summary.set_exception(exc)
                probing.catalog.set_exception(exc)
                return
            try:
                self.read_catalog()
                probing.catalog.set_result(None)
            except BaseException as exc:
                probing.catalog.set_exception(exc)

        threading.Thread(target=run, name="qmail-wizard probe", daemon=True).start()
        return probing

    def load_profile(self, path: str) -> None:
        """Prefill from a profile file (raises ProfileError/SourceError)."""
        from .profile import read

        self.profile = read(Path(path), path).profile
        self.profile_path = path

    def problems(self) -> list[Problem]:
        from .profile import validate

        users = set(self.state.users()) if self.state else None
        return validate(self.profile, self.catalog, users)

    def method(self) -> str:
        from .plan import install_method

        return install_method(self.profile, self.catalog)

    def source(self, key: str) -> str:
        """Where the prefilled value of ``key`` was read ("path:line"; "" if nowhere)."""
        return self.sources.get(key, "")

    def make_plan(self) -> Plan:
        """Probe again and plan from the real state (raises PlanError)."""
        from .plan import make_plan

        self.state = probe(self.host)
        self.plan = make_plan(self.profile, self.state, self.catalog, self.keep, self.overwrite)
        return self.plan

    def profile_versions(self) -> dict[str, str]:
        """What the profile would write to each drifted file of the last plan (also
        the files kept), planned from the same probe with no choice made."""
        if self.plan is None or not self.plan.drift:
            return {}
        from .plan import make_plan

        drifted = {d.path for d in self.plan.drift}
        plan = make_plan(self.profile, self.state, self.catalog)
        return {
            a.path: a.new
            for step in plan.steps
            for a in step.actions
            if isinstance(a, WriteFile) and a.path in drifted
        }

    def save(self, path: str) -> str:
        """Write the profile to ``path`` on this machine (relative: to the current
        directory); return the absolute path.  Written by safefile: a symlink or a
        file with several links there is refused (safefile.Refused names it and its
        target), nothing is ever truncated through one; HostError says why else."""
        from .profile import dump

        target = os.path.abspath(os.path.expanduser(path))
        safefile.write_file(
            "/",
            target,
            dump(self.profile).encode("utf-8"),
            mode=0o644,
            uid=os.geteuid(),
            gid=os.getegid(),
        )
        self.profile_path = target
        return target

    def summary(self, port: int, holders: list[str]) -> HostSummary:
        state = self.state
        tools = ["pkg_add"] + sorted(state.tools & {"pkgin", "make"})
        if state.pkgsrc_tree:
            tools.append("pkgsrc tree (/usr/pkgsrc)")
        packages = sorted(state.binary_packages)
        repository = (
            f"{packages[0].rsplit('/', 1)[-1]} in PKG_PATH"
            if packages
            else "none found in PKG_PATH"
        )
        mailer = state.text("/etc/mailer.conf") or ""
        mta = (
            "qmail"
            if "/usr/pkg/bin/sendmail" in mailer
            else ("postfix" if "postfix" in mailer else "unknown")
        )
        qmail = state.packages.get("qmail", "")
        summary = HostSummary(
            release=state.uname,
            hostname=state.hostname,
            pkg_tools=tools,
            repository=repository,
            mta=mta,
            port_holder=f"port {port}: " + (", ".join(holders) if holders else "free"),
            qmail=qmail,
            fresh=not qmail,
        )
        if qmail:
            self._installed(summary)
        return summary

    def built_options(self) -> str:
        """The installed qmail's build options against the defaults ("defaults
        +qmail-srs -qmail-bigdns"); needs the catalog (``read_catalog``)."""
        built = self.state.build_info.get("qmail", {}).get("PKG_OPTIONS", "").split()
        return " ".join(["defaults", *self.catalog.changes(set(built))])

    def _installed(self, summary: HostSummary) -> None:
        """The reconfigure rows: qmail-run, accounts built, services."""
        state = self.state
        info = state.build_info.get("qmail", {})
        summary.qmail_run = state.packages.get("qmail-run", "not installed")
        renamed = [
            f"{key}={info[var]}"
            for key, var in ACCOUNT_VARS.items()
            if info.get(var, ACCOUNT_DEFAULTS[key]) != ACCOUNT_DEFAULTS[key]
        ]
        summary.accounts = ", ".join(renamed) or "default names"
        summary.running = ", ".join(n for n in SERVICES if state.running(n)) or "nothing"
