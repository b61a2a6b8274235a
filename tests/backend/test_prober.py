"""probe.Prober and probe(host, previous): what an apply reads of the host between steps
is exactly what a full probe reads at that moment, however little it re-ran."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tui.backend.apply import StepStarted, apply
from tui.backend.catalog import for_host
from tui.backend.hosts import SandboxHost
from tui.backend.plan import make_plan
from tui.backend.probe import Prober, probe
from tui.backend.profile import load
from tui.backend.verify import verify

PROFILES = Path(__file__).resolve().parents[2] / "profiles"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["default.yaml", "srs-source.yaml"])
def test_prober_state_equals_a_full_probe_at_every_step(make_sandbox, name):
    host = SandboxHost(make_sandbox().paths.base)
    profile = load(PROFILES / name)
    state = probe(host)
    prober = Prober(host, state)
    compared = []

    def same_as_full(label: str) -> None:
        assert dataclasses.asdict(prober.state) == dataclasses.asdict(probe(host)), label
        compared.append(label)

    def progress(event) -> None:
        if isinstance(event, StepStarted) and prober.current:
            same_as_full(event.step_id)

    def checks(delivery: bool) -> list:
        prober()
        same_as_full("verify")
        return verify(host, prober.state, delivery=delivery)

    result = apply(
        host,
        lambda: make_plan(profile, prober(), for_host(state)),
        progress=progress,
        verify=checks,
        prober=prober,
    )
    assert result.ok, result.failure and result.failure.message
    assert "packages" in result.changed and "qmail" in prober.state.packages
    assert len(compared) == 13, compared  # every step (from the first plan on) + verify


def test_pkg_info_answer_is_kept_only_while_the_package_database_is_the_same(make_sandbox):
    host = SandboxHost(make_sandbox().paths.base)
    state = probe(host)
    assert state.packages and state.pkgdb
    # a marker no pkg_info prints: it shows whether the earlier answer was kept
    marked = dataclasses.replace(state, packages={**state.packages, "marker": "marker-1"})
    assert probe(host, marked).packages == marked.packages

    host.write("/etc/pkg_install.conf", "PKG_DBDIR=/var/db/pkg\n", mode=0o644)
    assert probe(host, marked).packages == state.packages  # another database could be set

    host.run(["rm", "/etc/pkg_install.conf"])
    pkgname = state.packages["pkgin"]
    assert host.run(["pkg_delete", "-f", pkgname]).rc == 0
    again = probe(host, marked)
    assert (
        again.packages
        == probe(host).packages
        == {base: name for base, name in state.packages.items() if base != "pkgin"}
    )
    assert again.pkgdb != state.pkgdb
