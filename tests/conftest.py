"""Shared fixtures: fresh sandboxes, always ended afterwards (killed: rc.shutdown is tested where it matters).

Every test that boots a sandbox carries the ``sandbox`` marker, so
``pytest -m "not sandbox"`` is the fast lane.  The marker is applied here, at
collection: to tests using a sandbox fixture and to every test of a module that
reaches the simulator itself.  A fast-lane run that still made a sandbox under
pytest's temp directory fails, so a missed marker cannot hide.
"""

from __future__ import annotations

from types import ModuleType

import pytest

from tui.sandbox import create as _create_module
from tui.sandbox.handle import Sandbox

#: Fixtures that make a sandbox (directly or through another fixture).
SANDBOX_FIXTURES = {"make_sandbox", "sandbox", "wizard_app"}
#: Names whose presence in a test module means it makes sandboxes of its own.
SANDBOX_NAMES = ("Sandbox", "installed_sandbox", "wizard", "SandboxHost", "boxes", "scenario_app")

#: Delay factor for tests that do not measure pacing (downloads, builds).
FAST = 0.02


@pytest.fixture
def make_sandbox(tmp_path):
    """Factory: make_sandbox(flavor="2017Q1", pace=FAST, **kw) -> Sandbox."""
    created = []

    def factory(flavor: str = "2017Q1", pace: float = FAST, name: str | None = None, **kwargs):
        box = Sandbox.create(
            tmp_path / (name or f"sb{len(created)}"), flavor=flavor, pace=pace, **kwargs
        )
        created.append(box)
        return box

    yield factory
    for box in created:
        box.kill()


@pytest.fixture(params=["2017Q1", "2020Q2"])
def flavor(request):
    return request.param


@pytest.fixture
def sandbox(make_sandbox, flavor):
    """A fresh sandbox of each flavor."""
    return make_sandbox(flavor)


#: Helper modules that make sandboxes: a test module importing one of them does too.
SANDBOX_HELPERS = ("tests.security.trap", "tests.e2e.cli", "tests.sandbox.qmailhost")


def _reaches_simulator(module) -> bool:
    return any(
        name in SANDBOX_NAMES
        or (isinstance(value, ModuleType) and value.__name__ in SANDBOX_HELPERS)
        for name, value in vars(module).items()
    )


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = getattr(item, "module", None)
        if SANDBOX_FIXTURES & set(getattr(item, "fixturenames", ())) or (
            module is not None and _reaches_simulator(module)
        ):
            item.add_marker(pytest.mark.sandbox)


_BASETEMP = pytest.StashKey[object]()
_created_here: list[str] = []
_create = _create_module.create


def _counting_create(base, *args, **kwargs):
    """The real create(), remembered so that the fast lane can prove it made none."""
    _created_here.append(str(base))
    return _create(base, *args, **kwargs)


_create_module.create = _counting_create


@pytest.fixture(scope="session", autouse=True)
def _remember_basetemp(request, tmp_path_factory):
    request.config.stash[_BASETEMP] = tmp_path_factory.getbasetemp()


def pytest_sessionfinish(session, exitstatus):
    """Fail a fast-lane run that made a sandbox anyway (a missing marker)."""
    basetemp = session.config.stash.get(_BASETEMP, None)
    if basetemp is None or "not sandbox" not in (session.config.option.markexpr or ""):
        return
    made = _created_here + [
        str(p.parent.parent) for p in sorted(basetemp.glob("**/control/sandbox.json"))
    ]
    if made:
        session.config.pluginmanager.get_plugin("terminalreporter").write_line(
            f"ERROR: the fast lane made {len(made)} sandbox(es), e.g. {made[0]}: "
            "mark those tests (conftest.SANDBOX_FIXTURES / SANDBOX_NAMES)",
            red=True,
        )
        session.exitstatus = 1
