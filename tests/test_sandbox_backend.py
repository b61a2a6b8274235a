"""Which container tool the sandbox uses, and the one-line refusal when none is usable."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.e2e.cli import COMMAND, ROOT, run
from tui.sandbox import container

DEFAULT = str(ROOT / "profiles" / "default.yaml")
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="the util-linux backend needs root")


def path_with(tmp_path: Path, *tools: str) -> str:
    """A PATH directory holding only ``tools`` (links to the machine's)."""
    directory = tmp_path / "bin"
    directory.mkdir()
    for tool in tools:
        (directory / tool).symlink_to(f"/usr/bin/{tool}")
    return str(directory)


@root_only
@pytest.mark.parametrize(
    "tools, forced, wanted",
    [
        ((), "", "needs 'nsenter' (util-linux), which is not installed"),
        (("nsenter",), "", "needs 'unshare' (util-linux) or 'bwrap' (bubblewrap), and neither"),
        (("nsenter", "unshare"), "bwrap", "needs 'bwrap' (bubblewrap): it is not usable here"),
        (("nsenter", "unshare"), "docker", "='docker': choose 'unshare' or 'bwrap'"),
    ],
)
def test_refusal_names_what_to_install(tmp_path, monkeypatch, tools, forced, wanted):
    monkeypatch.setenv("PATH", path_with(tmp_path, *tools))
    monkeypatch.setenv(container.BACKEND_ENV, forced)
    with pytest.raises(container.SandboxError, match=re.escape(wanted)):
        container.backend()


@root_only
def test_util_linux_is_the_default_and_bwrap_an_option(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", path_with(tmp_path, "nsenter", "unshare"))
    monkeypatch.delenv(container.BACKEND_ENV, raising=False)
    assert container.backend() == "unshare"
    if Path("/usr/bin/bwrap").exists():
        (tmp_path / "bin" / "bwrap").symlink_to("/usr/bin/bwrap")
        assert container.backend() == "unshare"
        monkeypatch.setenv(container.BACKEND_ENV, "bwrap")
        assert container.backend() == "bwrap"


@root_only
def test_readme_command_without_util_linux_is_one_line_exit_1(tmp_path):
    target = tmp_path / "rehearsal"
    done = run(
        [*COMMAND, "--target", f"sandbox:{target}", "apply", DEFAULT, "--yes"],
        timeout=60,
        env={**os.environ, "PATH": path_with(tmp_path, "nsenter")},
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "qmail-wizard: the sandbox needs 'unshare' (util-linux) or 'bwrap' (bubblewrap), "
        "and neither is installed: run 'apt-get install util-linux' "
        "(or your distribution's equivalent)."
    ]
    assert not target.exists()
