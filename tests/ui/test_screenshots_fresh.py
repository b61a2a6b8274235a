"""screenshots/ is what the code renders now, one scenario per test (80x24).

These files are also the 80x24 snapshots: one rendering per scenario checks both.
Refresh after an intended change: ``python -m tui.screenshots [NAME...]``.
"""

from __future__ import annotations

import pytest

from tui.screenshots import OUT_DIR, SCENARIOS, render

pytestmark = pytest.mark.sandbox  # each scenario runs on a fresh sandbox


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_screenshot_is_fresh(name):
    fresh = render(SCENARIOS[name])
    kept = OUT_DIR / f"{name}.svg"
    assert kept.is_file(), (
        f"screenshots/{name}.svg is missing: run python -m tui.screenshots {name}"
    )
    assert kept.read_text() == fresh, (
        f"screenshots/{name}.svg is stale: run python -m tui.screenshots {name}"
    )


def test_every_screenshot_has_a_scenario():
    orphans = sorted(p.name for p in OUT_DIR.glob("*.svg") if p.stem not in SCENARIOS)
    assert not orphans, f"no scenario renders {orphans}: delete them"
