"""The simulated host runs a real sshd (the machine's OpenSSH), started by its rc as on
NetBSD, published on the machine's loopback: proven with the machine's ssh client."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tui.sandbox import container, netns
from tui.sandbox.handle import Sandbox

#: No skip when openssh is missing: .ci/run installs it, and a skip would hide a regression.
pytestmark = pytest.mark.sandbox


def free_machine_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def known_hosts(box: Sandbox, port: int, path: Path) -> Path:
    """A known_hosts file trusting the sandbox's ed25519 host key on ``port``."""
    key = box.read("/etc/ssh/ssh_host_ed25519_key.pub").split()[:2]
    path.write_text(f"[127.0.0.1]:{port} {' '.join(key)}\n")
    return path


def ssh(port: int, key: Path, hosts: Path, command: str) -> subprocess.CompletedProcess:
    """The machine's ssh client, as root, strict host key checking, no prompts."""
    argv = ["ssh", "-p", str(port), "-i", str(key), "-F", "/dev/null"]
    for option in (
        f"UserKnownHostsFile={hosts}",
        "GlobalKnownHostsFile=/dev/null",
        "StrictHostKeyChecking=yes",
        "BatchMode=yes",
        "IdentitiesOnly=yes",
        "ConnectTimeout=20",
    ):
        argv += ["-o", option]
    argv += ["root@127.0.0.1", command]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def keypair(tmp_path_factory) -> Path:
    key = tmp_path_factory.mktemp("key") / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return key


@pytest.fixture(scope="module")
def ssh_box(tmp_path_factory, keypair):
    """A 2017Q1 sandbox created with --ssh-port and --authorized-key (through the CLI)."""
    base, port = tmp_path_factory.mktemp("ssh") / "box", free_machine_port()
    created = subprocess.run(
        [sys.executable, "-m", "tui.cli", "sandbox", "create", str(base)]
        + ["--ssh-port", str(port), "--authorized-key", f"{keypair}.pub"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    assert f"ssh -p {port} root@127.0.0.1 reaches its sshd" in created.stdout
    box = Sandbox(base)
    box.set_config(pace=0.01)
    hosts = known_hosts(box, port, base.parent / "known_hosts")
    yield box, port, hosts
    box.kill()


def test_root_runs_commands_inside_the_sandbox_over_ssh(ssh_box, keypair):
    _, port, hosts = ssh_box
    done = ssh(port, keypair, hosts, "uname -s; hostname; ls /etc/rc.d; echo $PATH")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == ["NetBSD", "mail.example.org"]
    assert {"sshd", "postfix", "LOGIN"} <= set(lines[2:-1])
    assert lines[-1] == "/usr/bin:/bin:/usr/pkg/bin:/usr/local/bin"  # NetBSD's _PATH_DEFPATH
    assert ssh(port, keypair, hosts, "/usr/sbin/pkg_info >/dev/null").returncode == 0


def test_sshd_is_started_by_rc_as_on_netbsd_7(ssh_box):
    box, _, _ = ssh_box
    assert "\nsshd=YES" in box.read("/etc/rc.conf")
    pid = box.read("/var/run/sshd.pid").strip()
    status = box.exec(["/etc/rc.d/sshd", "status"])
    assert status.stdout == f"sshd is running as pid {pid}.\n"
    boot = box.paths.boot_log.read_text()
    for kind in ("dsa", "ecdsa", "ed25519", "rsa"):  # verbose first-start keygen (netbsd-7)
        assert f"Your identification has been saved in /etc/ssh/ssh_host_{kind}_key\n" in boot
    assert "Starting sshd.\n" in boot
    passwd = box.read("/etc/passwd").splitlines()
    assert "sshd:*:16:16:& pseudo-user:/var/chroot/sshd:/sbin/nologin" in passwd
    config = box.read("/etc/ssh/sshd_config")
    assert "#PermitRootLogin no\n" in config  # 7.1's default refuses root ...
    assert config.endswith("PermitRootLogin without-password\n")  # ... so create allows keys


def test_an_unknown_host_key_is_refused(ssh_box, keypair, tmp_path):
    _, port, _ = ssh_box
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    done = ssh(port, keypair, empty, "true")
    assert done.returncode == 255
    assert "Host key verification failed." in done.stderr
    assert empty.read_text() == ""


def test_nothing_listens_beyond_loopback(ssh_box):
    box, port, _ = ssh_box
    forwarder = psutil.Process(int(box.paths.forward_pid_file.read_text()))
    listening = [
        (c.laddr.ip, c.laddr.port)
        for c in forwarder.net_connections("inet")
        if c.status == psutil.CONN_LISTEN
    ]
    assert listening == [("127.0.0.1", port)]
    pid = container.container_pid(box.paths)
    with open(f"/proc/{pid}/net/dev") as fh:
        assert [line.split(":")[0].strip() for line in fh.readlines()[2:]] == ["lo"]
    inside = {(a, p) for a, p, _ in netns.listening(pid, box.pids()) if p == 22}
    assert inside == {("0.0.0.0", 22), ("::", 22)}  # sshd's default, on a loopback-only net


def test_host_key_survives_restart_and_stop_leaves_no_sshd(ssh_box, keypair):
    box, port, hosts = ssh_box
    forwarder = int(box.paths.forward_pid_file.read_text())
    box.stop()
    assert box.pids() == [] and not psutil.pid_exists(forwarder)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=10)
    assert box.exec(["true"]).returncode == 0  # boots again: rc starts sshd
    done = ssh(port, keypair, hosts, "uname -s")
    assert (done.returncode, done.stdout) == (0, "NetBSD\n"), done.stderr
    assert box.paths.boot_log.read_text().count("Generating public/private ed25519") == 1


def test_a_second_sandbox_has_its_own_host_key(ssh_box, keypair, tmp_path):
    """2020Q2 (NetBSD 9.0): quiet keygen with fingerprints; root may log in with a key by
    default (prohibit-password), so sshd_config stays as shipped."""
    first, first_port, first_hosts = ssh_box
    port = free_machine_port()
    box = Sandbox.create(
        tmp_path / "box", "2020Q2", pace=0.01, ssh_port=port, authorized_key=f"{keypair}.pub"
    )
    try:
        key = box.read("/etc/ssh/ssh_host_ed25519_key.pub").split()[1]
        assert key != first.read("/etc/ssh/ssh_host_ed25519_key.pub").split()[1]
        stale = tmp_path / "stale_hosts"
        stale.write_text(first_hosts.read_text().replace(f"]:{first_port} ", f"]:{port} "))
        refused = ssh(port, keypair, stale, "true")
        assert refused.returncode == 255 and "HOST IDENTIFICATION HAS CHANGED" in refused.stderr
        done = ssh(port, keypair, known_hosts(box, port, tmp_path / "kh"), "uname -s")
        assert (done.returncode, done.stdout) == (0, "NetBSD\n"), done.stderr
        boot = box.paths.boot_log.read_text()
        assert "ssh-keygen: 256 SHA256:" in boot and "(ED25519)" in boot
        config = box.read("/etc/ssh/sshd_config")
        assert "#PermitRootLogin prohibit-password\n" in config
        assert "\nPermitRootLogin" not in config
    finally:
        box.kill()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--authorized-key", "/etc/hostname"], "--authorized-key needs --ssh-port PORT"),
        (["--ssh-port", "0"], "'0' is not a port number (1 to 65535)"),
        (["--ssh-port", "2222", "--authorized-key", "KEY"], "is a private key"),
        (["--ssh-port", "2222", "--authorized-key", "/nonexistent"], "cannot read it"),
    ],
)
def test_bad_ssh_options_are_refused_before_anything_is_written(tmp_path, keypair, args, message):
    target = tmp_path / "box"
    args = [str(keypair) if a == "KEY" else a for a in args]
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "sandbox", "create", str(target), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode in (1, 2) and message in done.stderr
    assert "Traceback" not in done.stderr
    assert not target.exists()
