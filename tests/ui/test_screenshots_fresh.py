"""screenshots/ is what the code renders now: ``python -m tui.screenshots --check``."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.sandbox  # runs qmail-wizard on sandboxes in a subprocess

ROOT = Path(__file__).resolve().parents[2]


def test_screenshots_are_fresh():
    result = subprocess.run([sys.executable, "-m", "tui.screenshots", "--check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=900,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "up to date" in result.stdout
