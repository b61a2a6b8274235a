"""One wizard session: the host, what the probe saw, the profile being edited, the plan.

The TUI keeps one Session and hands it to its screens; every method that touches
the host is blocking and is called from a worker thread, never from the UI loop.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .discover import profile_from_state
from .hosts import Host
from .model import Profile
from .plan import host_catalog, install_method, make_plan
from .probe import HostState, probe
from .profile import Problem, dump, read, validate
from .steps import Plan
from .verify import Check, smtp_address


@dataclass
class HostSummary:
    """What the Welcome screen tells the admin about the host."""

    release: str
    hostname: str
    pkg_tools: list[str]
    repository: str
    mta: str
    port_holder: str
    qmail: str              # "" on a fresh host, else "qmail-1.03nb27 (options ...)"
    fresh: bool


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

    def probe(self) -> HostSummary:
        """Read the host (one round trip, plus its sockets) and prefill the profile."""
        self.state = probe(self.host)
        self.catalog = host_catalog(self.state)
        if self.profile is None:
            self.profile = profile_from_state(self.state, self.catalog)
        _address, port = smtp_address(self.host, self.state)
        names = {p.pid: p.name for p in self.host.processes()}
        holders = sorted({f"{names.get(l.pid, '?')} (pid {l.pid})"
                          for l in self.host.listeners() if l.port == port})
        return self.summary(port, holders)

    def load_profile(self, path: str) -> None:
        """Prefill from a profile file (raises ProfileError/SourceError)."""
        self.profile = read(Path(path), path).profile
        self.profile_path = path

    def problems(self) -> list[Problem]:
        users = set(self.state.users()) if self.state else None
        return validate(self.profile, self.catalog, users)

    def method(self) -> str:
        return install_method(self.profile, self.catalog)

    def make_plan(self) -> Plan:
        """Probe again and plan from the real state (raises PlanError)."""
        self.state = probe(self.host)
        self.plan = make_plan(self.profile, self.state, self.catalog, self.keep,
                              self.overwrite)
        return self.plan

    def save(self, path: str) -> None:
        Path(path).write_text(dump(self.profile))
        self.profile_path = path

    def summary(self, port: int, holders: list[str]) -> HostSummary:
        state = self.state
        tools = ["pkg_add"] + sorted(state.tools & {"pkgin", "make"})
        if state.show_options:
            tools.append("pkgsrc tree (/usr/pkgsrc)")
        packages = sorted(state.binary_options)
        repository = (f"{packages[0].rsplit('/', 1)[-1]} in PKG_PATH" if packages
                      else "none found in PKG_PATH")
        mailer = state.text("/etc/mailer.conf") or ""
        mta = "qmail" if "/usr/pkg/bin/sendmail" in mailer else (
            "postfix" if "postfix" in mailer else "unknown")
        qmail = ""
        if "qmail" in state.packages:
            options = state.build_info.get("qmail", {}).get("PKG_OPTIONS", "")
            qmail = f"{state.packages['qmail']} (options: {options or 'none'})"
        return HostSummary(
            release=state.uname, hostname=state.hostname, pkg_tools=tools,
            repository=repository, mta=mta,
            port_holder=f"port {port}: " + (", ".join(holders) if holders else "free"),
            qmail=qmail, fresh=not qmail,
        )
