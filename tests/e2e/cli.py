"""Run qmail-wizard as a user would, against a sandbox target."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from tui.sandbox.handle import Sandbox

ROOT = Path(__file__).resolve().parents[2]


def wizard(box, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", "--target", f"sandbox:{box.paths.base}", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@contextmanager
def installed_sandbox(path: Path, flavor: str = "2017Q1", pace: float = 0.02):
    """A fresh sandbox at ``path`` where `apply profiles/default.yaml --yes` succeeded
    (qmail running); ended on exit."""
    box = Sandbox.create(path, flavor=flavor, pace=pace)
    try:
        applied = wizard(box, "apply", str(ROOT / "profiles" / "default.yaml"), "--yes")
        assert applied.returncode == 0, applied.stderr[-3000:] + applied.stdout
        yield box
    finally:
        box.kill()


def profile_for(tmp_path: Path, name: str, **replacements: str) -> str:
    """A shipped profile, with text replaced (e.g. to point at another admin user)."""
    text = (ROOT / "profiles" / name).read_text()
    for old, new in replacements.items():
        text = text.replace(old, new)
    target = tmp_path / name
    target.write_text(text)
    return str(target)
