"""plan.needs_catalog: a plan made without the host's option catalog (Session.read_for
on a profile that does not need it) is the plan the host's catalog gives, byte for
byte; a default binary install never reads it (no make show-options)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from tui.backend.catalog import for_host
from tui.backend.hosts import SandboxHost
from tui.backend.plan import make_plan, needs_catalog
from tui.backend.probe import probe
from tui.backend.profile import load
from tui.backend.report import plan_json
from tui.backend.session import Session

PROFILES = sorted((Path(__file__).resolve().parents[2] / "profiles").glob("*.yaml"))


def variants():
    """(name, profile): the shipped profiles, and the default one with install.method
    auto and either a build option or a renamed account (each needs the catalog)."""
    for path in PROFILES:
        yield path.name, load(path)
    for change in ("options", "accounts"):
        profile = copy.deepcopy(load(PROFILES[0].parent / "default.yaml"))
        profile.install.method = "auto"
        if change == "options":
            profile.build.options = ["-qmail-bigdns"]
        else:
            profile.build.accounts.daemon = "qmaild2"
        yield f"default.yaml with {change}", profile


@pytest.mark.parametrize("flavor", ["2017Q1", "2020Q2"])
@pytest.mark.parametrize("tree", [True, False], ids=["pkgsrc-tree", "binary-only"])
def test_plans_without_the_catalog_equal_plans_with_it(make_sandbox, flavor, tree):
    box = make_sandbox(flavor)
    if not tree:
        box.exec(["rm", "-rf", "/usr/pkgsrc"])
    host = SandboxHost(box.paths.base)
    full = probe(host)
    skipped = []
    for name, profile in variants():
        session = Session(host)
        session.read_for(profile)
        if not needs_catalog(profile, session.probed):
            assert session.probed.show_options is None, name  # make show-options not run
            assert session.options.source == f"built-in table ({flavor})", name
            skipped.append(name)
        elif tree:  # read with the host stage or after it
            assert session.options.source.startswith("pkgsrc tree"), name
        want = plan_json(make_plan(profile, full, for_host(full)), "-")
        got = plan_json(make_plan(profile, session.probed, session.catalog), "-")
        assert got == want, name
    assert "default.yaml" in skipped
    assert not {"default.yaml with options", "default.yaml with accounts"} & set(skipped)
