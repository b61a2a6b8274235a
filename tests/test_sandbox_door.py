"""The product reaches the simulator only through tui.sandbox.api (its one door).

Checked twice: statically (no product module imports another tui.sandbox module, or
names SandboxError), and in a fresh interpreter (importing every product module loads
no simulator module but the door, which imports the rest only when called).
"""

from __future__ import annotations

import ast
import json
import pkgutil
import sys
from pathlib import Path

import tui
from tests.e2e.cli import run
from tui.sandbox import api, flavors

TUI = Path(tui.__file__).resolve().parent
DOOR = "tui.sandbox.api"


def _product_files() -> dict[str, Path]:
    """Module name -> file of every module under tui/ outside tui/sandbox/."""
    found = {}
    for path in sorted(TUI.rglob("*.py")):
        parts = path.relative_to(TUI.parent).with_suffix("").parts
        if parts[:2] == ("tui", "sandbox"):
            continue
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imported(module: str, path: Path) -> list[str]:
    """Every module ``path`` imports, absolute (``from P import n`` counts as P.n)."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            source = ".".join(base + ([node.module] if node.module else []))
            names += [f"{source}.{alias.name}" for alias in node.names]
    return names


def test_product_modules_import_only_the_door():
    files = _product_files()
    assert {
        "tui.cli",
        "tui.commands.target",
        "tui.backend.hosts.sandbox",
        "tui.screenshots",
    } <= set(files)
    bad = {
        f"{module}: {name}"
        for module, path in files.items()
        for name in _imported(module, path)
        if name.startswith("tui.sandbox.") and not name.startswith(DOOR)
    }
    assert not bad, sorted(bad)


def test_no_product_module_names_sandbox_error():
    """The door turns it into HostError; nothing outside catches the simulator's own."""
    named = [
        module
        for module, path in _product_files().items()
        if any(
            isinstance(node, (ast.Name, ast.Attribute, ast.alias))
            and "SandboxError"
            in (
                getattr(node, "id", None)
                or getattr(node, "attr", None)
                or getattr(node, "name", "")
            )
            for node in ast.walk(ast.parse(path.read_text()))
        )
    ]
    assert named == []


FRESH = """
import contextlib, importlib, io, json, sys
for name in {modules!r}:
    importlib.import_module(name)
from tui.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    try:
        main(["sandbox", "create", "--help"])
    except SystemExit:
        pass
loaded = sorted(m for m in sys.modules if m.startswith("tui.sandbox"))
print(json.dumps({{"loaded": loaded, "help": out.getvalue()}}))
"""


def test_importing_the_product_loads_only_the_door():
    modules = [
        m.name
        for m in pkgutil.walk_packages(tui.__path__, "tui.")
        if not m.name.startswith("tui.sandbox")
    ]
    assert set(_product_files()) - {"tui"} == set(modules)
    done = run([sys.executable, "-c", FRESH.format(modules=modules)], timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["loaded"] == ["tui.sandbox", DOOR]
    assert "{2017Q1,2020Q2}" in result["help"]


def test_the_door_names_the_simulators_flavors():
    """cli's --flavor choices come from the door, which must not import flavors."""
    assert tuple(sorted(flavors.FLAVORS)) == api.FLAVOR_NAMES
    assert api.DEFAULT_FLAVOR == flavors.DEFAULT_FLAVOR
