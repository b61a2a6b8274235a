"""tui/backend must never import Textual or Rich: checked in a fresh interpreter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import tui.backend


def test_backend_imports_neither_textual_nor_rich():
    modules = [m.name for m in pkgutil.walk_packages(tui.backend.__path__, "tui.backend.")]
    assert "tui.backend.hosts.sandbox" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
