"""Run qmail-wizard as a user would, against a sandbox target."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from tui.sandbox.handle import Sandbox

ROOT = Path(__file__).resolve().parents[2]
#: the qmail-wizard command: this interpreter runs it from the repository
COMMAND = (sys.executable, "-m", "tui.cli")


def run(argv, timeout: float = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    """``argv`` from the repository root with no input; its output as text, any exit
    status."""
    return subprocess.run(
        list(argv),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        env=env,
        check=False,
    )


def qmail_wizard(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """``qmail-wizard ARGS`` (no target named)."""
    return run([*COMMAND, *args], timeout=timeout)


def on(box) -> list[str]:
    """The ``--target`` arguments that name ``box``."""
    return ["--target", f"sandbox:{box.paths.base}"]


def wizard(
    box, *args: str, timeout: float = 600, env: dict | None = None
) -> subprocess.CompletedProcess:
    """``qmail-wizard --target sandbox:BOX ARGS``."""
    return run([*COMMAND, *on(box), *args], timeout=timeout, env=env)


def start(box, *args: str, stdout=subprocess.DEVNULL, env: dict | None = None) -> subprocess.Popen:
    """``qmail-wizard --target sandbox:BOX ARGS`` running on, in its own process group
    (a signal to it reaches what it started), no input; its stderr a text pipe."""
    return subprocess.Popen(
        [*COMMAND, *on(box), *args],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
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
