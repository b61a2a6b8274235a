"""Issue 16: ``--target ssh://root@127.0.0.1:PORT`` drives a sandbox through its published
sshd as ``sandbox:`` does: default install, status, verify, undo; an unknown host key is
refused; a connection dropped mid-apply (the ssh master killed) is finished by
``--resume`` over a new connection."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.e2e.cli import ROOT
from tests.e2e.test_faults import last_run, manifest, snapshot
from tests.polling import wait_for
from tui.sandbox.handle import Sandbox

DEFAULT = str(ROOT / "profiles" / "default.yaml")
RUNNING = ("qmailsend", "qmailsmtpd", "qmailqread")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def new_keypair(directory: Path) -> Path:
    key = directory / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return key


@pytest.fixture(scope="module")
def keypair(tmp_path_factory) -> Path:
    return new_keypair(tmp_path_factory.mktemp("key"))


def ssh_config(box: Sandbox, key: Path, port: int, trusted: bool) -> Path:
    """An ssh -F file: our key, a known_hosts trusting the box's ed25519 key (or none)."""
    hosts = box.paths.base.parent / f"known_hosts-{port}-{trusted}"
    host_key = " ".join(box.read("/etc/ssh/ssh_host_ed25519_key.pub").split()[:2])
    hosts.write_text(f"[127.0.0.1]:{port} {host_key}\n" if trusted else "")
    config = box.paths.base.parent / f"ssh_config-{port}-{trusted}"
    config.write_text(
        "Host *\n"
        f"  IdentityFile {key}\n"
        "  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {hosts}\n"
        "  GlobalKnownHostsFile /dev/null\n"
        "  ConnectTimeout 20\n"
    )
    return config


class Remote:
    """A sandbox with sshd, and the wizard run against it over ssh."""

    def __init__(self, base: Path, key: Path, flavor: str = "2017Q1", user: str = "root"):
        self.port = free_port()
        self.box = Sandbox.create(
            base, flavor, pace=0.02, ssh_port=self.port, authorized_key=f"{key}.pub"
        )
        self.config = ssh_config(self.box, key, self.port, trusted=True)
        self.target = f"ssh://{user}@127.0.0.1:{self.port}"

    def argv(self, *args: str, config: Path | None = None) -> list[str]:
        config = config or self.config
        prefix = [sys.executable, "-m", "tui.cli", "--target", self.target]
        return prefix + ["--ssh-config", str(config), *args]

    def wizard(self, *args: str, config: Path | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.argv(*args, config=config),
            check=False,
            capture_output=True,
            text=True,
            timeout=600,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
        )


@pytest.fixture(scope="module")
def remote(tmp_path_factory, keypair):
    """One 2017Q1 sandbox for the module; its fresh tree kept for the undo test."""
    remote = Remote(tmp_path_factory.mktemp("ssh") / "box", keypair)
    remote.fresh = snapshot(remote.box.paths.root)
    yield remote
    remote.box.kill()


def test_an_unknown_host_key_is_refused_with_how_to_trust_it(remote, keypair):
    untrusted = ssh_config(remote.box, keypair, remote.port, trusted=False)
    done = remote.wizard("probe", config=untrusted)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr  # one line, no traceback
    assert f"the host key of {remote.target} is not known" in done.stderr
    assert f"ssh-keyscan -p {remote.port} 127.0.0.1" in done.stderr
    hosts = Path(str(untrusted).replace("ssh_config", "known_hosts"))
    assert hosts.read_text() == ""  # nothing accepted silently


def test_bad_ssh_targets_are_one_line_errors(remote):
    for target, words in (
        ("ssh://", "is not ssh://[user@]host[:port]"),
        ("ssh://root@host:99999", "Port out of range"),
        ("ssh://host/path", "is not ssh://[user@]host[:port]"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "tui.cli", "--target", target, "probe"],
            check=False,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert done.returncode == 1 and words in done.stderr, done.stderr
        assert done.stderr.count("\n") == 1
    done = remote.wizard("probe", config=Path("/nonexistent/ssh_config"))
    assert done.returncode == 1 and "no such file" in done.stderr


@pytest.mark.slow
def test_default_install_over_ssh(remote):
    plan = remote.wizard("plan", DEFAULT)
    assert plan.returncode == 2, plan.stderr
    assert "$ env PKG_RCD_SCRIPTS=YES pkg_add -v qmail-run" in plan.stdout
    applied = remote.wizard("apply", DEFAULT, "--yes")
    assert applied.returncode == 0, applied.stderr[-3000:] + applied.stdout
    box = remote.box
    assert box.exec(["pkg_info", "-e", "qmail", "qmail-run"]).returncode == 0
    assert "\npostfix=NO\n" in box.read("/etc/rc.conf")
    assert box.read("/usr/pkg/etc/qmail/control/me") == "mail.example.org\n"
    assert box.read("/usr/pkg/etc/qmail/alias/.qmail-postmaster") == "&admin\n"
    for service in RUNNING:
        assert box.exec([f"/etc/rc.d/{service}", "status"]).returncode == 0, service
    again = remote.wizard("plan", DEFAULT)
    assert again.returncode == 0, again.stdout


@pytest.mark.slow
def test_status_over_ssh_shows_the_hosts_processes(remote):
    done = remote.wizard("status", "--format", "json")
    assert done.returncode == 0, done.stderr
    services = {s["name"]: s for s in json.loads(done.stdout)["services"]}
    listed = remote.box.exec(["ps", "-ax", "-o", "pid=,args="]).stdout.splitlines()
    commands = {int(pid): args for pid, args in (line.split(None, 1) for line in listed)}
    assert services["qmailsend"]["running"]
    send_pid = services["qmailsend"]["pids"][0]  # the host's own numbering
    assert commands[send_pid].startswith("qmail-send"), commands
    assert services["qmailsmtpd"]["listen"] == ["0.0.0.0:25"]
    assert services["qmailsend"]["user"] == "qmails"
    assert not services["postfix"]["running"]


@pytest.mark.slow
def test_verify_over_ssh_passes(remote):
    done = remote.wizard("verify")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS  smtp-greeting" in done.stdout
    assert "PASS  smtp-port: nothing but qmail holds SMTP port 25" in done.stdout
    assert done.stdout.rstrip().endswith("checks pass")


@pytest.mark.slow
def test_undo_over_ssh_restores_the_runs_files(remote):
    written = manifest(remote.box, last_run(remote.box))
    assert {"/etc/rc.conf", "/etc/mailer.conf"} <= written.keys()
    undone = remote.wizard("undo", "--yes")
    assert undone.returncode == 0, undone.stderr
    lines = undone.stdout.splitlines()
    assert [line for line in lines if line.startswith("restored ")] == [
        f"restored {p}" for p in sorted(written)
    ]
    assert "started postfix" in lines, lines  # the run stopped it: undo starts it again
    assert remote.box.exec(["/etc/rc.d/postfix", "status"]).returncode == 0
    restored = snapshot(remote.box.paths.root)
    for path in written.keys() & remote.fresh.keys():
        assert restored.get(path) == remote.fresh[path], path


def ssh_masters(port: int) -> list[psutil.Process]:
    """The wizard's ssh masters connected to ``port`` (ControlPersist forks them off;
    their title ends in [mux])."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        line = " ".join(proc.info["cmdline"] or ()).rstrip()
        if not (line.startswith("ssh: ") and "/qw-ssh-" in line and line.endswith("[mux]")):
            continue
        try:
            if any(c.raddr and c.raddr.port == port for c in proc.net_connections("tcp")):
                found.append(proc)
        except psutil.Error:
            continue
    return found


def running_pkg_add(box: Sandbox) -> bool:
    return "pkg_add" in box.exec(["ps", "-ax", "-o", "args="]).stdout


@pytest.mark.slow
def test_a_connection_dropped_mid_apply_is_finished_by_resume(tmp_path, keypair):
    remote = Remote(tmp_path / "box", keypair)
    try:
        box = remote.box
        child = subprocess.Popen(
            remote.argv("apply", DEFAULT, "--yes"),
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        assert wait_for(lambda: running_pkg_add(box), 120), "apply never reached pkg_add"
        masters = ssh_masters(remote.port)
        assert masters, "no ssh master found"
        for master in masters:
            os.kill(master.pid, signal.SIGKILL)
        _, stderr = child.communicate(timeout=300)
        assert child.returncode != 0, stderr[-2000:]
        run_id = last_run(box)
        journal = json.loads(box.read(f"/var/db/qmail-wizard/journal/{run_id}.json"))
        assert journal["status"] != "done"
        resumed = remote.wizard("apply", DEFAULT, "--yes", "--resume")
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert f"(run {run_id})" in resumed.stdout
        assert remote.wizard("plan", DEFAULT).returncode == 0
        for service in RUNNING:
            assert box.exec([f"/etc/rc.d/{service}", "status"]).returncode == 0, service
    finally:
        remote.box.kill()


def answering(key: str, shown: list[str]):
    """A stand-in for sshprompt.ask: the prompt App under Pilot, ``key`` pressed."""
    import asyncio

    from textual.widgets import Static

    from tui.screens.sshprompt import PromptApp

    def ask(screen):
        async def drive():
            app = PromptApp(screen)
            async with app.run_test() as pilot:
                await pilot.pause()
                shown.extend(str(w.render()) for w in screen.query(Static))
                await pilot.press(key)
                await pilot.pause()
            return app.return_value

        return asyncio.run(drive())

    return ask


@pytest.mark.parametrize("key", ["r", "a"])
def test_the_tui_shows_an_unknown_host_key_and_asks(remote, keypair, monkeypatch, key):
    from tui.backend.hosts.ssh import UnknownHostKey
    from tui.backend.session import Session
    from tui.commands import interactive
    from tui.screens import sshprompt

    untrusted = ssh_config(remote.box, keypair, remote.port, trusted=False)
    hosts = Path(str(untrusted).replace("ssh_config", "known_hosts"))
    hosts.write_text("")
    public = remote.box.paths.host_path("/etc/ssh/ssh_host_ed25519_key.pub")
    printed = subprocess.run(["ssh-keygen", "-lf", str(public)], check=True, capture_output=True)
    fingerprint = printed.stdout.decode().split()[1]
    shown: list[str] = []
    monkeypatch.setattr(sshprompt, "ask", answering(key, shown))
    if key == "r":
        with pytest.raises(UnknownHostKey, match="is not known"):
            interactive.connect(remote.target, str(untrusted))
        assert hosts.read_text() == ""
    else:
        host = interactive.connect(remote.target, str(untrusted))
        try:
            assert Session(host).probe()  # the probe goes on over the trusted key
        finally:
            host.close()
        assert hosts.read_text().split()[1:] == public.read_text().split()[:2]
    assert f"ssh-ed25519 {fingerprint}" in shown, shown
    assert any(remote.target in text for text in shown), shown
