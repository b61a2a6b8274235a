"""Shared fixtures: fresh sandboxes, always ended afterwards (killed: rc.shutdown is tested where it matters).

Every test that boots a sandbox carries the ``sandbox`` marker, so
``pytest -m "not sandbox"`` is the fast lane.  The marker is applied here, at
collection: to tests using a sandbox fixture and to every test of a module that
reaches the simulator itself.  A fast-lane run that still made a sandbox under
pytest's temp directory fails, so a missed marker cannot hide.
"""

from __future__ import annotations

import compileall
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings

from tui.sandbox import create as _create_module
from tui.sandbox.handle import Sandbox

#: Fixtures that make a sandbox (directly or through another fixture).
SANDBOX_FIXTURES = {"make_sandbox", "sandbox", "wizard_app"}
#: Names whose presence in a test module means it makes sandboxes of its own.
SANDBOX_NAMES = ("Sandbox", "installed_sandbox", "wizard", "SandboxHost", "boxes", "scenario_app")

#: Delay factor for tests that do not measure pacing (downloads, builds).
FAST = 0.02

#: README's test command runs ``--hypothesis-profile=ci``: 2,000 examples a property (the
#: issue 7 floor); without it (the fast lane at a desk) hypothesis's default of 100.
settings.register_profile("ci", max_examples=2000)

#: Modules that take longest, longest first (from ``--durations``): under ``--dist
#: loadscope --no-loadscope-reorder`` each worker takes the next module in collection
#: order, so starting these first keeps one long module from running on alone at the end.
LONGEST_FIRST = (
    "tests/reliability/test_fault_matrix.py",
    "tests/e2e/test_kill_resume.py",
    "tests/reliability/test_crash_matrix.py",
    "tests/ui/test_screenshots_fresh.py",
    "tests/snapshots/test_wizard_120x40.py",
    "tests/e2e/test_ssh.py",
    "tests/e2e/test_ansible.py",
    "tests/e2e/test_source_build.py",
    "tests/e2e/test_mail_features.py",
    "tests/reliability/test_properties.py",
    "tests/ui/test_review_apply.py",
    "tests/ui/test_mail.py",
)


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


def _module_of(item) -> str:
    return item.nodeid.split("::", 1)[0]


def _run_order(items) -> dict[str, tuple[int, int]]:
    """Module -> its place: known long modules first, then other modules that boot a
    sandbox, then the fast ones (a module's items stay together)."""
    booting = {_module_of(i) for i in items if i.get_closest_marker("sandbox")}
    return {
        path: (0, LONGEST_FIRST.index(path))
        if path in LONGEST_FIRST
        else (1 if path in booting else 2, 0)
        for path in map(_module_of, items)
    }


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = getattr(item, "module", None)
        if SANDBOX_FIXTURES & set(getattr(item, "fixturenames", ())) or (
            module is not None and _reaches_simulator(module)
        ):
            item.add_marker(pytest.mark.sandbox)
    order = _run_order(items)
    items.sort(key=lambda item: order[_module_of(item)])  # stable: a module's order is kept


def pytest_configure(config):
    """Byte-compile tui/ once, as an install does: this machine runs Python with
    PYTHONDONTWRITEBYTECODE=1, so a clean checkout has no .pyc and every simulated
    program and CLI run would compile its modules from source again."""
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist)
        compileall.compile_dir(Path(__file__).parent.parent / "tui", quiet=1)


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
