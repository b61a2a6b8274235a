"""Issue 3: the headless commands never import Textual (or Rich): a fresh interpreter
runs `validate` and `plan`, then lists the UI modules it loaded."""

from __future__ import annotations

import json
import sys

from tests.e2e.cli import ROOT, run

SCRIPT = """
import contextlib, io, json, sys
from tui.cli import main
codes = []
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    for argv in {argvs!r}:
        codes.append(main(argv))
ui = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich"))
print(json.dumps({{"codes": codes, "ui": ui}}))
"""


def _fresh(*argvs: list[str]) -> dict:
    done = run([sys.executable, "-c", SCRIPT.format(argvs=list(argvs))], timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_textual_is_installed():
    """Else the checks below would pass for the wrong reason."""
    done = run([sys.executable, "-c", "import textual, rich"], timeout=120)
    assert done.returncode == 0


def test_validate_imports_no_ui():
    default = str(ROOT / "profiles" / "default.yaml")
    result = _fresh(["validate", default], ["validate", str(ROOT / "missing.yaml")])
    assert result == {"codes": [0, 1], "ui": []}


def test_plan_imports_no_ui(make_sandbox):
    box = make_sandbox("2017Q1")
    target = f"sandbox:{box.paths.base}"
    result = _fresh(
        ["--target", target, "plan", str(ROOT / "profiles" / "default.yaml")],
        [
            "--target",
            target,
            "plan",
            str(ROOT / "profiles" / "srs-source.yaml"),
            "--format",
            "json",
        ],
        ["--target", target, "validate", str(ROOT / "profiles" / "default.yaml")],
    )
    assert result == {"codes": [2, 2, 0], "ui": []}


def test_wizard_launcher_imports_no_ui():
    """create_app starts the host probe before it imports Textual (tui_start_ratio):
    importing its module must not import Textual already."""
    done = run(
        [
            sys.executable,
            "-c",
            "import sys, tui.commands.interactive; print(sorted(m for m "
            "in sys.modules if m.split('.')[0] in ('textual', 'rich')))",
        ],
        timeout=120,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr
