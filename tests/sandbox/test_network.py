"""Each sandbox has a network of its own: a loopback only, the real port numbers, and
``--publish`` for clients on the machine."""

from __future__ import annotations

import errno
import os
import signal
import smtplib
import socket

import psutil
import pytest

from tests.e2e.cli import qmail_wizard
from tests.polling import wait_for
from tui.backend.hosts import SandboxHost
from tui.sandbox import container
from tui.sandbox.handle import Sandbox


def free_machine_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def forwarder_pid(box: Sandbox) -> int | None:
    try:
        return int(box.paths.forward_pid_file.read_text())
    except OSError:
        return None


def alive(pid: int | None) -> bool:
    try:
        return pid is not None and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_fresh_rc_conf_has_no_qmail_line(sandbox):
    rc_conf = sandbox.read("/etc/rc.conf")
    assert [line for line in rc_conf.splitlines() if "qmail" in line] == []
    assert "hostname=mail.example.org\n" in rc_conf


def test_the_sandbox_has_only_a_loopback(make_sandbox):
    box = make_sandbox()
    pid = container.container_pid(box.paths)
    with open(f"/proc/{pid}/net/dev") as fh:
        interfaces = [line.split(":")[0].strip() for line in fh.readlines()[2:]]
    assert interfaces == ["lo"]
    ours = os.readlink(f"/proc/{pid}/ns/net")
    assert ours != os.readlink("/proc/self/ns/net")
    for member in box.pids():
        assert os.readlink(f"/proc/{member}/ns/net") == ours


def test_lo0_holds_only_127_0_0_1_until_an_alias_is_added(make_sandbox):
    """As NetBSD's rc.d/network leaves lo0: 127.0.0.1 only, the rest of 127/8 on no
    interface, until ``ifconfig lo0 inet alias`` adds an address."""
    box = make_sandbox()
    with pytest.raises(OSError) as bound:
        box.connect(25, source="127.0.0.2")
    assert bound.value.errno == errno.EADDRNOTAVAIL
    with pytest.raises(OSError) as reached:
        box.connect(25, address="127.0.0.2")
    assert reached.value.errno == errno.ENETUNREACH
    shown = box.exec(["ifconfig", "-a"])
    assert shown.stdout == (
        "lo0: flags=0x8049<UP,LOOPBACK,RUNNING,MULTICAST> mtu 33624\n\tinet 127.0.0.1/8 flags 0x0\n"
    )
    added = box.exec(["ifconfig", "lo0", "inet", "alias", "127.0.0.2"])
    assert (added.returncode, added.stderr) == (0, "")
    assert "\tinet 127.0.0.2/8 flags 0x0\n" in box.exec(["ifconfig", "-a"]).stdout
    assert box.exec(["ifconfig", "lo0"]).stdout == shown.stdout + "\tinet 127.0.0.2/8 flags 0x0\n"
    with box.connect(25, source="127.0.0.2") as sock:
        assert sock.getsockname()[0] == "127.0.0.2"
        assert sock.recv(200).startswith(b"220 ")
    with box.connect(25, address="127.0.0.2") as sock:
        assert sock.recv(200).startswith(b"220 ")
    assert box.exec(["ifconfig", "lo0", "inet", "127.0.0.2", "-alias"]).returncode == 0
    assert box.exec(["ifconfig", "-a"]).stdout == shown.stdout
    again = box.exec(["ifconfig", "lo0", "inet", "127.0.0.2", "delete"])
    assert (again.returncode, again.stderr) == (
        1,
        "ifconfig: SIOCDIFADDR: Can't assign requested address\n",
    )
    assert box.exec(["ifconfig", "-l"]).stdout == "lo0\n"
    bad = box.exec(["ifconfig", "lo0", "inet", "alias", "no.such"])
    assert (bad.returncode, bad.stderr) == (1, "ifconfig: no.such: bad value\n")


def test_two_sandboxes_both_hold_port_25(make_sandbox):
    """postfix as on a fresh NetBSD (main.cf without inet_interfaces: every address)."""
    one = make_sandbox(hostname="mail.example.org")
    two = make_sandbox("2020Q2", hostname="mx.example.net")
    for box, name in ((one, "mail.example.org"), (two, "mx.example.net")):
        host = SandboxHost(box.paths.base)
        master = int(box.read("/var/spool/postfix/pid/master.pid"))
        assert [(sock.address, sock.port, sock.pid) for sock in host.listeners()] == [
            ("0.0.0.0", 25, master)
        ]
        with host.connect("127.0.0.1", 25, timeout=10) as sock:
            assert sock.recv(200) == f"220 {name} ESMTP Postfix\r\n".encode()
        assert box.exec(["ifconfig", "lo0", "inet", "alias", "127.0.0.2"]).returncode == 0
        with host.connect("127.0.0.1", 25, timeout=10, source="127.0.0.2") as sock:
            assert sock.getsockname()[0] == "127.0.0.2"
            assert sock.recv(200).startswith(b"220 ")
        with pytest.raises(ConnectionRefusedError):
            host.connect("127.0.0.1", 110, timeout=10)


def test_publish_reaches_port_25_from_the_machine_until_stop(tmp_path):
    box_path, port = tmp_path / "box", free_machine_port()
    created = qmail_wizard(
        "sandbox",
        "create",
        str(box_path),
        "--hostname",
        "mx.example.net",
        "--publish",
        f"{port}:25",
    )
    box = Sandbox(box_path)
    try:
        assert created.returncode == 0, created.stderr
        assert f"127.0.0.1:{port} reaches its port 25" in created.stdout
        assert box.config["publish"] == [[port, 25]]
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            assert client.ehlo()[0] == 250
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            assert raw.recv(200) == b"220 mx.example.net ESMTP Postfix\r\n"
        assert wait_for(lambda: "connect from localhost[127.0.0.1]" in box.read("/var/log/maillog"))
        forwarder = forwarder_pid(box)
        listening = [
            c.laddr
            for c in psutil.Process(forwarder).net_connections("inet")
            if c.status == psutil.CONN_LISTEN
        ]
        assert [(a.ip, a.port) for a in listening] == [("127.0.0.1", port)]

        box.stop()  # a reboot brings the forwarder back
        assert not alive(forwarder)
        assert box.exec(["true"]).returncode == 0
        assert alive(forwarder_pid(box))
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            assert raw.recv(200).startswith(b"220 mx.example.net")
    finally:
        forwarder = forwarder_pid(box)
        assert qmail_wizard("sandbox", "stop", str(box_path)).returncode == 0
    assert not alive(forwarder) and not box.paths.forward_pid_file.exists()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=10)


def test_the_forwarder_ends_with_the_container(make_sandbox):
    box = make_sandbox(publish=[(free_machine_port(), 25)])
    forwarder = forwarder_pid(box)
    assert alive(forwarder)
    os.kill(container.container_pid(box.paths), signal.SIGKILL)
    assert wait_for(lambda: not alive(forwarder), timeout=10)


def test_bad_publish_is_refused_before_anything_is_written(tmp_path):
    target = tmp_path / "box"
    for value, message in (
        ("25", "is not MACHINEPORT:PORT"),
        ("2525:0", "ports are 1 to 65535"),
        ("a:25", "is not MACHINEPORT:PORT"),
    ):
        done = qmail_wizard("sandbox", "create", str(target), "--publish", value)
        assert done.returncode == 2 and message in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = qmail_wizard("sandbox", "create", str(target), "--publish", f"{port}:25")
    assert done.returncode == 1
    assert f"--publish {port}:25: cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr
    assert not target.exists()
