"""Run qmail-wizard as a user would, against a sandbox target."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def wizard(box, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", "--target", f"sandbox:{box.paths.base}", *args],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT, stdin=subprocess.DEVNULL)


def profile_for(tmp_path: Path, name: str, **replacements: str) -> str:
    """A shipped profile, with text replaced (e.g. to point at another admin user)."""
    text = (ROOT / "profiles" / name).read_text()
    for old, new in replacements.items():
        text = text.replace(old, new)
    target = tmp_path / name
    target.write_text(text)
    return str(target)
