"""Snapshot tests at 120x40: every screen and state, reached by tui.screenshots' drivers.

Refresh after an intended change: `python -m pytest tests/snapshots --snapshot-update`.
"""

from __future__ import annotations

import pytest

from tui.screenshots import SCENARIOS, scenario_app


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_wizard(name, snap_compare):
    scenario = SCENARIOS[name]
    with scenario_app(scenario) as app:
        assert snap_compare(app, terminal_size=(120, 40), run_before=scenario.reach)
