"""Session, the façade of both front-ends: what the headless commands drive through it
(read, discover, plan without a second probe, save, status, verify) on a fresh host."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.backend.facts import SERVICES
from tui.backend.hosts import SandboxHost
from tui.backend.profile import read
from tui.backend.session import Session


def test_a_fresh_host_read_discovered_planned_saved_and_checked(make_sandbox, tmp_path):
    session = Session(SandboxHost(make_sandbox().paths.base))
    state = session.read()
    profile = session.discover()
    assert session.catalog is not None and session.profile is profile

    plan = session.make_plan(fresh=False)
    assert session.state is state and session.plan is plan  # planned from that probe
    assert "packages" in {step.id for step in plan.steps if step.changes}

    path = session.save(str(tmp_path / "saved.yaml"))
    assert path == session.profile_path and read(Path(path), path).profile == profile

    status = session.status_reader().read()  # postfix is the fresh host's MTA
    assert [(s.name, s.state) for s in status.services] == [
        *((name, "stopped") for name in SERVICES),
        ("postfix", "running"),
    ]

    checks = session.verify()
    assert session.state is not state  # read again
    assert checks and not all(check.ok for check in checks)
    assert all(check.fix for check in checks if not check.ok)


def test_the_background_probe_reads_the_catalog_only_once_the_host_is_shown(make_sandbox):
    """make show-options (a second of bmake on a real tree) waits until the front end
    waits for it: the first screen's paint does not share the CPU with it."""
    session = Session(SandboxHost(make_sandbox().paths.base))
    probing = session.probe_in_background()
    assert probing.summary.result(timeout=60).fresh
    probing.unfinished.result(timeout=60)
    with pytest.raises(TimeoutError):  # at this pace the stage takes ~0.1 s once begun
        probing.catalog.result(timeout=1.0)
    assert session.catalog is None and session.state.show_options is None

    probing.wait_for_catalog()
    assert session.catalog is not None and session.state.show_options
