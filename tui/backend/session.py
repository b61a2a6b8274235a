"""One wizard session: the host, what the probe saw, the profile being edited, the plan.

The façade both front-ends use: the TUI keeps one Session and hands it to its
screens, the headless commands make one per run.  Probe, plan, apply (with the
incremental Prober), verify, the status reader, the service actions and save go
through it; the front-ends only present what it returns.  Every method that touches
the host is blocking: the TUI calls them from worker threads, never the UI loop.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import catalog as catalog_mod
from . import journal, procmatch, services
from .admission import admit
from .facts import SERVICES
from .hosts import Host, HostError, Result, safefile
from .hoststate import HostState
from .plan import install_method, make_plan
from .probe import Prober, probe
from .profile import Problem, dump, read, validate
from .profile.discover import profile_from_state
from .profile.model import ACCOUNT_DEFAULTS, ACCOUNT_VARS, Profile
from .runlog import log_path
from .status import StatusReader
from .steps import Plan, WriteFile
from .verify import Check, send_test_message, smtp_address, verify
from .verify.delivery import Delivery

if TYPE_CHECKING:
    from .apply import ApplyResult, Undone, UndoPlan


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
    #: what is installed, for reconfiguring (("" ...) on a fresh host)
    qmail_run: str = ""  # "qmail-run-20170406"
    options: str = ""  # "defaults" or "defaults +qmail-srs -qmail-bigdns"
    accounts: str = ""  # "default names" or "daemon=qmaild2, log=qmaill2"
    running: str = ""  # "qmailsend, qmailsmtpd"
    port_names: str = ""  # the SMTP port's holders without pids


@dataclass
class Session:
    host: Host
    state: HostState | None = None
    catalog: catalog_mod.Catalog | None = None
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

    def admit(self) -> None:
        """Refuse (admission.Refused) a host that is not NetBSD or a login that is not
        root, before anything is read; every front end calls it first."""
        admit(self.host)

    def probe(self) -> HostSummary:
        """Read the host (one round trip, plus its sockets) and prefill the profile."""
        self.state = probe(self.host)
        self.catalog = catalog_mod.for_host(self.state)
        if self.profile is None:
            self.sources.clear()
            self.profile = profile_from_state(self.state, self.catalog, self.sources)
        _address, port = smtp_address(self.host, self.state)
        names = {p.pid: procmatch.program(p) for p in self.host.processes()}  # argv[0]
        pids = sorted(
            {(names.get(s.pid or -1, "?"), s.pid) for s in self.host.listeners() if s.port == port}
        )
        summary = self.summary(port, [f"{name} (pid {pid})" for name, pid in pids])
        summary.port_names = f"port {port}: " + (
            ", ".join(sorted({name for name, _pid in pids})) or "free"
        )
        return summary

    def probe_in_background(self) -> Future[HostSummary]:
        """``probe()`` in a daemon thread; its summary (or HostError) in a Future."""
        probing: Future[HostSummary] = Future()

        def run() -> None:
            try:
                probing.set_result(self.probe())
            except BaseException as exc:  # handed to whoever waits for the summary
                probing.set_exception(exc)

        threading.Thread(target=run, name="qmail-wizard probe", daemon=True).start()
        return probing

    def load_profile(self, path: str) -> None:
        """Prefill from a profile file (raises ProfileError/SourceError)."""
        self.profile = read(Path(path), path).profile
        self.profile_path = path

    @property
    def probed(self) -> HostState:
        """What the last probe saw (RuntimeError before the host was read)."""
        if self.state is None:
            raise RuntimeError("the host has not been read yet")
        return self.state

    @property
    def edited(self) -> Profile:
        """The profile being edited (RuntimeError before one is loaded or prefilled)."""
        if self.profile is None:
            raise RuntimeError("no profile yet")
        return self.profile

    @property
    def options(self) -> catalog_mod.Catalog:
        """The host's option catalog (RuntimeError before the host was read)."""
        if self.catalog is None:
            raise RuntimeError("the host has not been read yet")
        return self.catalog

    def problems(self) -> list[Problem]:
        users = set(self.state.users()) if self.state else None
        return validate(self.edited, self.options, users)

    def method(self) -> str:
        return install_method(self.edited, self.catalog)

    def source(self, key: str) -> str:
        """Where the prefilled value of ``key`` was read ("path:line"; "" if nowhere)."""
        return self.sources.get(key, "")

    def read(self) -> HostState:
        """Probe the host (one round trip) and take its option catalog; no prefill."""
        self.catalog = catalog_mod.for_host(self.refresh())
        return self.probed

    def discover(self) -> Profile:
        """The profile the host read last embodies (as the TUI prefills it); where each
        value was read is in ``sources``."""
        self.sources.clear()
        self.profile = profile_from_state(self.probed, self.options, self.sources)
        return self.profile

    def refresh(self) -> HostState:
        """Probe the host again (the catalog stays the one the wizard started with)."""
        self.state = probe(self.host)
        return self.state

    def make_plan(self, fresh: bool = True) -> Plan:
        """Plan from the real state, probed again first when ``fresh`` (raises PlanError)."""
        if fresh:
            self.refresh()
        self.plan = make_plan(self.edited, self.probed, self.catalog, self.keep, self.overwrite)
        return self.plan

    def profile_versions(self) -> dict[str, str]:
        """What the profile would write to each drifted file of the last plan (also
        the files kept), planned from the same probe with no choice made."""
        if self.plan is None or not self.plan.drift:
            return {}
        drifted = {d.path for d in self.plan.drift}
        plan = make_plan(self.edited, self.probed, self.catalog)
        return {
            a.path: a.new
            for step in plan.steps
            for a in step.actions
            if isinstance(a, WriteFile) and a.path in drifted
        }

    def apply(
        self,
        run_id: str | None = None,
        resume: bool = False,
        progress: Callable[[object], None] | None = None,
        cancel: threading.Event | None = None,
        keep_test_message: bool = False,
    ) -> ApplyResult:
        """Apply the profile (tui.backend.apply), re-planning between steps from a
        Prober: the host is probed again only after commands ran, incrementally.
        The checks of its verify step are kept in ``checks``.  Raises LockHeld,
        ApplyError, PlanError, HostError before the run starts."""
        from .apply import apply  # not at import: the wizard's probe starts before it

        prober = Prober(self.host, self.state)

        def replan() -> Plan:
            self.state = prober()
            return self.make_plan(fresh=False)

        def checks(delivery: bool) -> list[Check]:
            self.state = prober()
            return verify(
                self.host,
                self.state,
                cancel=cancel,
                delivery=delivery,
                keep_test_message=keep_test_message,
            )

        result = apply(
            self.host,
            replan,
            run_id=run_id,
            resume=resume,
            progress=progress,
            cancel=cancel,
            verify=checks,
            prober=prober,
        )
        self.checks = result.checks
        return result

    def undo_preview(self, run_id: str | None) -> UndoPlan:
        """What undoing a run (the newest that changed something if None) would do;
        nothing on the host changes.  Raises LockHeld, ApplyError, HostError."""
        from .apply import preview

        return preview(self.host, run_id)

    def undo(self, plan: UndoPlan, notes: list[str]) -> Undone:
        """Undo what ``plan`` says: services stopped, files restored, services started."""
        from .apply import execute

        return execute(self.host, plan, notes)

    def verify(self, keep_test_message: bool = False) -> list[Check]:
        """Probe again and run every check, the test delivery included (its message
        removed afterwards unless ``keep_test_message``)."""
        return verify(self.host, self.refresh(), keep_test_message=keep_test_message)

    def last_log(self) -> str:
        """The run log of the newest apply run; "" if none (or its record is damaged)."""
        try:
            run_id = journal.last_run(self.host)
        except HostError:
            return ""
        return log_path(run_id) if run_id else ""

    def status_reader(self, log_lines: int = 20) -> StatusReader:
        """A reader of the services, the queue and the mail log (status, Dashboard)."""
        return StatusReader(self.host, log_lines=log_lines)

    def act(self, service: str, action: str, enabled: bool = True) -> Result:
        """``/etc/rc.d/SERVICE ACTION`` (one- prefixed for a service rc.conf disables)."""
        return services.act(self.host, service, action, enabled)

    def flush(self) -> Result:
        """Deliver the queue now (``/etc/rc.d/qmailsend flush``)."""
        return services.flush(self.host)

    def send_test_message(self) -> Delivery:
        """A test message to postmaster, followed into its Maildir or mbox."""
        return send_test_message(self.host, state=self.state)

    def save(self, path: str) -> str:
        """Write the profile to ``path`` on this machine (relative: to the current
        directory); return the absolute path.  Written by safefile: a symlink or a
        file with several links there is refused (safefile.Refused names it and its
        target), nothing is ever truncated through one; HostError says why else."""
        target = os.path.abspath(os.path.expanduser(path))
        safefile.write_file(
            "/",
            target,
            dump(self.edited).encode("utf-8"),
            mode=0o644,
            uid=os.geteuid(),
            gid=os.getegid(),
        )
        self.profile_path = target
        return target

    def summary(self, port: int, holders: list[str]) -> HostSummary:
        state = self.probed
        tools = ["pkg_add"] + sorted(state.tools & {"pkgin", "make"})
        if state.show_options:
            tools.append("pkgsrc tree (/usr/pkgsrc)")
        packages = sorted(state.binary_options)
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

    def _installed(self, summary: HostSummary) -> None:
        """The reconfigure rows: qmail-run, options and accounts built, services."""
        state, catalog = self.probed, self.options
        info = state.build_info.get("qmail", {})
        summary.qmail_run = state.packages.get("qmail-run", "not installed")
        built = set(info.get("PKG_OPTIONS", "").split())
        summary.options = " ".join(["defaults", *catalog.changes(built)])
        renamed = [
            f"{key}={info[var]}"
            for key, var in ACCOUNT_VARS.items()
            if info.get(var, ACCOUNT_DEFAULTS[key]) != ACCOUNT_DEFAULTS[key]
        ]
        summary.accounts = ", ".join(renamed) or "default names"
        summary.running = ", ".join(n for n in SERVICES if state.running(n)) or "nothing"
