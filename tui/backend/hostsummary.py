"""What the Welcome screen tells the admin about a probed host, and the staged probe
that brings it (Probing)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import procmatch
from .facts import SERVICES
from .hosts import Host
from .hoststate import HostState

if TYPE_CHECKING:
    from .journal import Unfinished


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


def summarize(host: Host, state: HostState) -> HostSummary:
    """The summary of a probed host; its sockets are read for the SMTP port's holders."""
    from .verify.config import smtp_address  # not at import: the probe starts first

    _address, port = smtp_address(host, state)
    names = {p.pid: procmatch.program(p) for p in host.processes()}  # argv[0]
    pids = sorted(
        {(names.get(s.pid or -1, "?"), s.pid) for s in host.listeners() if s.port == port}
    )
    summary = describe(state, port, [f"{name} (pid {pid})" for name, pid in pids])
    summary.port_names = f"port {port}: " + (
        ", ".join(sorted({name for name, _pid in pids})) or "free"
    )
    return summary


def describe(state: HostState, port: int, holders: list[str]) -> HostSummary:
    """The summary from the probe's state and the SMTP port's holders."""
    tools = ["pkg_add"] + sorted(state.tools & {"pkgin", "make"})
    if state.pkgsrc_tree:
        tools.append("pkgsrc tree (/usr/pkgsrc)")
    packages = sorted(state.binary_packages)
    repository = (
        f"{packages[0].rsplit('/', 1)[-1]} in PKG_PATH" if packages else "none found in PKG_PATH"
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
        _installed(state, summary)
    return summary


def _installed(state: HostState, summary: HostSummary) -> None:
    """The reconfigure rows: qmail-run, accounts built, services."""
    from .profile.model import ACCOUNT_DEFAULTS, ACCOUNT_VARS

    info = state.build_info.get("qmail", {})
    summary.qmail_run = state.packages.get("qmail-run", "not installed")
    renamed = [
        f"{key}={info[var]}"
        for key, var in ACCOUNT_VARS.items()
        if info.get(var, ACCOUNT_DEFAULTS[key]) != ACCOUNT_DEFAULTS[key]
    ]
    summary.accounts = ", ".join(renamed) or "default names"
    summary.running = ", ".join(n for n in SERVICES if state.running(n)) or "nothing"


@dataclass
class Probing:
    """A probe in two stages running in the background: the host (its admission as
    the script's first lines, then the Welcome's summary and the unfinished run it
    offers to resume), then the option catalog (Session.read_catalog); each Future
    holds the stage's result or its HostError (admission.Refused among them; a later
    one's also when an earlier one failed).

    The second stage starts when someone first waits for it (``wait_for_catalog()``):
    ``make show-options`` is about a second of bmake's CPU on a pkgsrc tree, which the
    first screen's paint should not share (the Welcome waits once the host is on
    screen; Options, the resume and Ctrl+S when they need the catalog sooner)."""

    admitted: Future[None]
    summary: Future[HostSummary]
    unfinished: Future[Unfinished | None]
    catalog: Future[None]
    #: set by wait_for_catalog(): the second stage may start
    shown: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def start(
        cls,
        first: Callable[[], tuple[HostState, HostSummary, Unfinished | None]],
        adopt: Callable[[HostState], None],
        second: Callable[[], None],
    ) -> Probing:
        """Run ``first`` in a daemon thread (its HostState handed to ``adopt``), then,
        once someone waits for the catalog, ``second``."""
        probing = cls(Future(), Future(), Future(), Future())

        def run() -> None:
            try:
                state, summary, unfinished = first()
                adopt(state)
                probing.admitted.set_result(None)
                probing.summary.set_result(summary)
                probing.unfinished.set_result(unfinished)
            except BaseException as exc:  # handed to whoever waits for any stage
                for stage in probing.stages():
                    if not stage.done():
                        stage.set_exception(exc)
                return
            probing.shown.wait()
            try:
                second()
                probing.catalog.set_result(None)
            except BaseException as exc:
                probing.catalog.set_exception(exc)

        threading.Thread(target=run, name="qmail-wizard probe", daemon=True).start()
        return probing

    def stages(self) -> tuple[Future, ...]:
        return (self.admitted, self.summary, self.unfinished, self.catalog)

    def wait_for_catalog(self) -> None:
        """Start the second stage if it has not begun, and wait for it (its HostError,
        or the first stage's, raised)."""
        self.shown.set()
        self.catalog.result()
