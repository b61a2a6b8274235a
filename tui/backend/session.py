"""One wizard session: the host, what the probe saw, the profile being edited, the plan.

The façade both front-ends use: the TUI keeps one Session and hands it to its
screens, the headless commands make one per run.  Probe, plan, apply (with the
incremental Prober), verify, the status reader, the service actions and save go
through it; the front-ends only present what it returns.  Every method that touches
the host is blocking: the TUI calls them from worker threads, never the UI loop.
What the Welcome does not need (discover, profile, plan and its steps, status,
verify, the catalog) is imported on first use: the Welcome's probe starts before
they load.
"""

from __future__ import annotations

import copy
import functools
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .admission import admit
from .hosts import Host, HostError, Result, safefile
from .hoststate import HostState
from .hostsummary import HostSummary, Probing, summarize
from .probe import Prober, probe, read_catalog

if TYPE_CHECKING:
    from .apply import ApplyResult, Undone, UndoPlan
    from .catalog import Catalog
    from .journal import Unfinished
    from .profile import Problem
    from .profile.model import Profile
    from .status import StatusReader
    from .steps import Plan
    from .verify import Check
    from .verify.delivery import Delivery


@dataclass
class Session:
    host: Host
    state: HostState | None = None
    catalog: Catalog | None = None
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
    #: the profile the host embodied when its catalog was read (``prefilled()``)
    baseline: Profile | None = None
    #: build words the wizard turned on for a mail feature (word -> why); it turns
    #: them off again when no feature needs them (``follow_features``)
    implied: dict[str, str] = field(default_factory=dict)

    @property
    def reconfigure(self) -> bool:
        """qmail is installed: the wizard changes an existing setup."""
        return self.state is not None and "qmail" in self.state.packages

    def admit(self) -> None:
        """Refuse (admission.Refused) a host that is not NetBSD or a login that is not
        root, before anything is read; every front end calls it first."""
        admit(self.host)

    def probe(self, serial: bool = False) -> HostSummary:
        """Read the host but its option catalog (one round trip, plus its sockets);
        ``read_catalog()`` is the second stage.  ``serial``: the probe's commands one
        after another."""
        self.state = probe(self.host, catalog=False, serial=serial)
        return self._summarize()

    def _summarize(self) -> HostSummary:
        """The Welcome's summary of the probed host: its sockets are read for it."""
        return summarize(self.host, self.probed)

    def read_catalog(self) -> None:
        """The probe's second stage (one round trip: make show-options, the binary
        packages' options): the option catalog, then the profile prefilled.  What
        reads the answer is imported after it came: while the host works, the first
        screen paints without them."""
        state = self.probed
        read_catalog(self.host, state)
        from .catalog import for_host
        from .profile.discover import profile_from_state

        self.catalog = for_host(state)
        sources: dict[str, str] = {}
        self.baseline = profile_from_state(state, self.catalog, sources)
        if self.profile is None:
            self.sources = sources
            self.profile = copy.deepcopy(self.baseline)

    def probe_in_background(self, helper: bool = False) -> Probing:
        """``probe()`` then, once someone waits for it (``Probing.wait_for_catalog``),
        ``read_catalog()`` in a daemon thread; the host's admission is judged by the
        probe's first lines (no round trip of its own).  ``helper``: the first stage
        runs in a forked process (probehelper) when the host's commands run on this
        machine; only while this process has no other thread (the CLI's start).  The
        helper runs the probe's commands one after another: the other core is the
        start's (Textual's import and first paint)."""
        first: Callable[[], tuple[HostState, HostSummary, Unfinished | None]]
        first = self._first_stage
        if helper and self.host.runs_here:
            from . import probehelper

            first = probehelper.fork(functools.partial(self._first_stage, serial=True))
        return Probing.start(first, self._adopt, self.read_catalog)

    def _adopt(self, state: HostState) -> None:
        self.state = state

    def _first_stage(
        self, serial: bool = False
    ) -> tuple[HostState, HostSummary, Unfinished | None]:
        summary = self.probe(serial)
        return self.probed, summary, self.unfinished_run()

    def load_profile(self, path: str) -> None:
        """Prefill from a profile file (raises ProfileError/SourceError)."""
        from .profile import read

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
    def options(self) -> Catalog:
        """The host's option catalog (RuntimeError before the host was read)."""
        if self.catalog is None:
            raise RuntimeError("the host has not been read yet")
        return self.catalog

    def problems(self) -> list[Problem]:
        from .profile import validate

        users = set(self.state.users()) if self.state else None
        return validate(self.edited, self.options, users)

    def method(self) -> str:
        from .plan import install_method

        return install_method(self.edited, self.catalog)

    def source(self, key: str) -> str:
        """Where the prefilled value of ``key`` was read ("path:line"; "" if nowhere)."""
        return self.sources.get(key, "")

    def read(self) -> HostState:
        """Probe the host (one round trip) and take its option catalog; no prefill."""
        from .catalog import for_host

        self.state = probe(self.host)
        self.catalog = for_host(self.state)
        return self.state

    def read_for(self, profile: Profile) -> HostState:
        """Probe the host to plan ``profile``: its option catalog (``make
        show-options``, in the same round trip when the profile alone says so) is read
        only when the plan needs it (``plan.needs_catalog``); else the catalog is the
        era's built-in table."""
        from .catalog import for_host
        from .plan import needs_catalog

        if needs_catalog(profile):
            return self.read()
        state = self.refresh()
        if needs_catalog(profile, state):
            read_catalog(self.host, state)
        self.catalog = for_host(state)
        return state

    def discover(self) -> Profile:
        """The profile the host read last embodies (as the TUI prefills it); where each
        value was read is in ``sources``."""
        from .profile.discover import profile_from_state

        self.sources.clear()
        self.profile = profile_from_state(self.probed, self.options, self.sources)
        return self.profile

    def prefilled(self) -> Profile | None:
        """The profile the host embodied when its catalog was read, apart from the one
        being edited (what a screen compares the answers with to mark the changed
        ones); made in the probe's second stage, None before it."""
        return self.baseline

    def smtpd_does_auth(self) -> bool:
        """qmail-smtpd itself does STARTTLS and SMTP AUTH in this host's era (2017Q1's
        tls patch); else sslserver does STARTTLS and AUTH is submission on 587."""
        from .profile.features import smtpd_patch_era

        return smtpd_patch_era(self.options)

    def follow_features(self) -> list[str]:
        """Turn on the build options the profile's mail features need, and off again
        those this turned on that no feature needs any more; a word the admin wrote
        (or removed, ``-word``) is left alone.  What changed, one line each."""
        from .profile.features import needed_options

        words = self.edited.build.options
        own = copy.deepcopy(self.edited)
        own.build.options = [w for w in words if w not in self.implied]
        needed = dict(needed_options(own, self.options))
        changed = []
        for word in [w for w in self.implied if w not in needed]:
            del self.implied[word]
            if word in words:
                words.remove(word)
                changed.append(f"{word} turned off again: no mail feature needs it")
        for word, why in needed.items():
            if word not in words and f"-{word}" not in words:
                words.append(word)
                self.implied[word] = why
                changed.append(f"{word} turned on: {why}")
        return changed

    def refresh(self) -> HostState:
        """Probe the host again but its option catalog (the catalog stays the one the
        wizard started with: ``state.show_options`` is None)."""
        self.state = probe(self.host, catalog=False)
        return self.state

    def make_plan(self, fresh: bool = True) -> Plan:
        """Plan from the real state, probed again first when ``fresh`` (raises PlanError)."""
        from .plan import make_plan

        if fresh:
            self.refresh()
        self.plan = make_plan(self.edited, self.probed, self.catalog, self.keep, self.overwrite)
        return self.plan

    def profile_versions(self) -> dict[str, str]:
        """What the profile would write to each drifted file of the last plan (also
        the files kept), planned from the same probe with no choice made."""
        if self.plan is None or not self.plan.drift:
            return {}
        from .plan import make_plan
        from .steps import WriteFile

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
        from .verify import verify

        prober = Prober(self.host, self.state, catalog=False)  # the plan's is self.catalog

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

    def unfinished_run(self) -> Unfinished | None:
        """The newest run when it did not finish (what ``apply --resume`` continues),
        None when it finished, when there is none, or when its journal is damaged
        (apply says so when it starts)."""
        from .journal import unfinished

        return unfinished(self.host)

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
        from .verify import verify

        return verify(self.host, self.refresh(), keep_test_message=keep_test_message)

    def last_log(self) -> str:
        """The run log of the newest apply run; "" if none (or its record is damaged)."""
        from . import journal
        from .runlog import log_path

        try:
            run_id = journal.last_run(self.host)
        except HostError:
            return ""
        return log_path(run_id) if run_id else ""

    def status_reader(self, log_lines: int = 20) -> StatusReader:
        """A reader of the services, the queue and the mail log (status, Dashboard)."""
        from .status import StatusReader

        return StatusReader(self.host, log_lines=log_lines)

    def act(self, service: str, action: str, enabled: bool = True) -> Result:
        """``/etc/rc.d/SERVICE ACTION`` (one- prefixed for a service rc.conf disables)."""
        from . import services

        return services.act(self.host, service, action, enabled)

    def flush(self) -> Result:
        """Deliver the queue now (``/etc/rc.d/qmailsend flush``)."""
        from . import services

        return services.flush(self.host)

    def send_test_message(self) -> Delivery:
        """A test message to postmaster, followed into its Maildir or mbox."""
        from .verify import send_test_message

        return send_test_message(self.host, state=self.state)

    def save(self, path: str) -> str:
        """Write the profile to ``path`` on this machine (relative: to the current
        directory); return the absolute path.  Written by safefile: a symlink or a
        file with several links there is refused (safefile.Refused names it and its
        target), nothing is ever truncated through one; HostError says why else."""
        from .profile import dump as _dump

        target = os.path.abspath(os.path.expanduser(path))
        safefile.write_file(
            "/",
            target,
            _dump(self.edited).encode("utf-8"),
            mode=0o644,
            uid=os.geteuid(),
            gid=os.getegid(),
        )
        self.profile_path = target
        return target

    def built_options(self) -> str:
        """The installed qmail's build options against the defaults ("defaults
        +qmail-srs -qmail-bigdns"); needs the catalog (``read_catalog``)."""
        built = self.probed.build_info.get("qmail", {}).get("PKG_OPTIONS", "").split()
        return " ".join(["defaults", *self.options.changes(set(built))])
