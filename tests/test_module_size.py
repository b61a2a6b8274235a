"""Issue 13: no product module outside the simulator is over 400 lines (the split by
concern holds; session.py reached 419 once without anyone noticing)."""

from __future__ import annotations

from pathlib import Path

TUI = Path(__file__).resolve().parent.parent / "tui"
LIMIT = 400


def test_no_product_module_is_over_400_lines():
    sizes = {
        str(path.relative_to(TUI.parent)): len(path.read_text().splitlines())
        for path in TUI.rglob("*.py")
        if TUI / "sandbox" not in path.parents
    }
    assert len(sizes) > 50  # the walk found the package
    assert {name: n for name, n in sizes.items() if n > LIMIT} == {}
