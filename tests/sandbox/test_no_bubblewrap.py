"""Issue 15: the sandbox runs with util-linux alone (bubblewrap hidden from PATH), and
bubblewrap stays an option giving the same view."""

from __future__ import annotations

import os
import shutil

import psutil
import pytest

from tests.e2e.cli import ROOT, wizard
from tests.polling import wait_for
from tui.sandbox import container
from tui.sandbox.handle import Sandbox

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the util-linux backend needs root")


@pytest.fixture
def no_bwrap(tmp_path_factory, monkeypatch):
    """PATH as this machine has it, minus bubblewrap: every tool linked into one directory."""
    mirror = tmp_path_factory.mktemp("path-without-bwrap")
    for directory in os.environ["PATH"].split(os.pathsep):
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:
            link = mirror / name
            if name != "bwrap" and not link.is_symlink():
                link.symlink_to(os.path.join(directory, name))
    monkeypatch.setenv("PATH", str(mirror))
    monkeypatch.delenv(container.BACKEND_ENV, raising=False)
    assert shutil.which("bwrap") is None
    return str(mirror)


@pytest.fixture(params=["unshare", "bwrap"])
def box(request, make_sandbox, monkeypatch):
    if request.param == "unshare":
        request.getfixturevalue("no_bwrap")
    elif shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    else:
        monkeypatch.setenv(container.BACKEND_ENV, "bwrap")
    made = make_sandbox()
    assert container.backend() == request.param
    return made


def alive(pids: list[int]) -> list[int]:
    return [
        p
        for p in pids
        if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
    ]


def test_same_view_daemons_survive_and_stop_leaves_nothing(box):
    assert box.exec(["uname", "-s"]).stdout == "NetBSD\n"
    assert box.exec(["hostname"]).stdout == "mail.example.org\n"
    interfaces = box.sh("tail -n +3 /proc/net/dev | cut -d: -f1").stdout.split()
    assert interfaces == ["lo"]
    with box.smtp(25) as client:  # postfix, started at boot, on the sandbox's lo
        assert client.greeting[0] == 220
    for machine_dir in ("/usr/bin", "/usr/lib"):
        touched = box.sh(f"touch {machine_dir}/h9-probe")
        assert touched.returncode != 0 and "Read-only file system" in touched.stderr
    overlaid = box.exec(["head", "-2", "/usr/bin/make"]).stdout  # NetBSD's make, not GNU's
    assert "simulated 'make'" in overlaid
    started = box.sh("sleep 300 >/dev/null 2>&1 & echo $!")
    daemon = started.stdout.strip()
    assert box.exec(["kill", "-0", daemon]).returncode == 0  # seen by the next command
    assert box.exec(["cat", "/proc/1/status"]).returncode == 0
    before = box.pids() + [int(box.paths.pid_file.read_text())]
    assert len(before) >= 4
    box.stop()
    assert alive(before) == []
    assert box.pids() == []


def test_overlay_adds_a_program_the_machine_lacks(make_sandbox, no_bwrap):
    """A fresh Debian has no /usr/bin/make: the overlay adds such names, not only replaces."""
    box = make_sandbox()
    extra = box.paths.control / "overlay" / "usr" / "bin" / "h9-not-on-the-machine"
    extra.write_text("#!/bin/sh\necho from the overlay\n")
    extra.chmod(0o555)
    box.kill()
    assert box.exec(["/usr/bin/h9-not-on-the-machine"]).stdout == "from the overlay\n"
    assert not os.path.exists("/usr/bin/h9-not-on-the-machine")


@pytest.mark.slow
def test_readme_command_then_smtp_without_bubblewrap(no_bwrap, tmp_path):
    target = tmp_path / "rehearsal"
    box = Sandbox(target)
    try:
        done = wizard(box, "apply", str(ROOT / "profiles" / "default.yaml"), "--yes")
        assert done.returncode == 0, done.stderr[-3000:] + done.stdout
        assert "all 15 checks pass" in done.stdout + done.stderr
        client = box.smtp(25)
        assert client.greeting[0] == 220
        client.sendmail(
            "someone@example.net",
            ["postmaster@example.org"],
            "Subject: without bubblewrap\r\n\r\nrehearsed with util-linux.\r\n",
        )
        client.quit()
        maildir = box.path("/home/admin/Maildir/new")
        assert wait_for(
            lambda: [p for p in maildir.iterdir() if "rehearsed with util-linux" in p.read_text()]
        )
        assert "unshare" in psutil.Process(int(box.paths.pid_file.read_text())).name()
    finally:
        box.kill()
