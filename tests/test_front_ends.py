"""The front-ends only present: tui/commands and tui/screens reach the pipeline through
Session, never by importing a probe, plan, apply, verify or status function."""

from __future__ import annotations

import ast
from pathlib import Path

TUI = Path(__file__).resolve().parents[1] / "tui"
#: what only Session calls (module: names)
PIPELINE = {
    "probe": {"probe", "Prober"},
    "plan": {"make_plan", "install_method"},
    "apply": {"apply", "undo"},
    "verify": {"verify", "send_test_message", "smtp_address"},
    "status": {"StatusReader"},
    "services": {"act", "flush"},
    "discover": {"profile_from_state"},
    "journal": {"last_run"},
}


def imported(path: Path) -> set[str]:
    """module:name of every ``from ..backend.MODULE import NAME`` in ``path``, and of
    every ``alias.NAME`` after ``from ..backend import MODULE as alias``."""
    tree = ast.parse(path.read_text(), str(path))
    found: set[str] = set()
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[-1] == "backend":
                aliases |= {alias.asname or alias.name: alias.name for alias in node.names}
            elif "backend" in parts:
                found |= {f"{parts[-1]}:{alias.name}" for alias in node.names}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            found.add(f"{aliases[node.value.id]}:{node.attr}")
    return found


def test_commands_and_screens_import_no_pipeline_function():
    front_ends = sorted([*TUI.glob("commands/*.py"), *TUI.glob("screens/*.py")])
    assert len(front_ends) > 10
    reached = {
        f"{path.relative_to(TUI)}: {name}"
        for path in front_ends
        for name in imported(path)
        if name.split(":")[1] in PIPELINE.get(name.split(":")[0], ())
    }
    assert not reached
