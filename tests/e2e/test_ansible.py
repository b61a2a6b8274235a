"""`qmail-wizard export ansible`: the exported playbook converges a fleet of sandboxes
over their sshd with the real ansible-playbook, in parallel forks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.e2e.cli import ROOT, qmail_wizard
from tests.polling import wait_for
from tests.sandbox.test_sshd import free_machine_port
from tui.sandbox.handle import Sandbox

pytest.importorskip("ansible", reason="ansible-core is a test extra: pip install ansible-core")

HOSTS = ("mail1", "mail2", "mail3")
#: The ansible-playbook of this interpreter's ansible-core (the test extra).
PLAYBOOK = str(Path(sys.executable).with_name("ansible-playbook"))
PYZ = "/usr/local/libexec/qmail-wizard/qmail-wizard.pyz"
RECAP = re.compile(
    r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE
)


def export(profile: str, out: Path) -> subprocess.CompletedProcess:
    return qmail_wizard("export", "ansible", profile, "--out", str(out), timeout=60)


def playbook(directory: Path, inventory: Path, *args: str) -> subprocess.CompletedProcess:
    """ansible-playbook run from the exported directory (its ansible.cfg applies)."""
    return subprocess.run(
        [PLAYBOOK, "-i", str(inventory), "site.yml", *args],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=directory,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")},
            "HOME": str(directory),
            "LC_ALL": "C.UTF-8",
            # ssh control sockets: a unix socket path must stay under 108 bytes
            "ANSIBLE_SSH_CONTROL_PATH_DIR": tempfile.mkdtemp(prefix="qw-cp-"),
        },
    )


def recap(done: subprocess.CompletedProcess) -> dict[str, dict[str, int]]:
    keys = ("ok", "changed", "unreachable", "failed")
    return {m[0]: dict(zip(keys, map(int, m[1:]))) for m in RECAP.findall(done.stdout)}


def delivered(box: Sandbox, text: str) -> bool:
    new = box.path("/home/admin/Maildir/new")
    return any(text in f.read_text(errors="replace") for f in new.iterdir())


def host_plan(box: Sandbox) -> subprocess.CompletedProcess:
    """`qmail-wizard plan` of the profile the role left on the host, run on the host."""
    python = f"/usr/pkg/bin/python{sys.version_info.major}.{sys.version_info.minor}"
    return box.exec(
        [python, PYZ, "--target", "local", "plan", "/usr/local/etc/qmail-wizard/profile.yaml"]
    )


def changed_profile(tmp: Path) -> str:
    """The default profile that also receives mail for example.net."""
    text = (ROOT / "profiles" / "default.yaml").read_text()
    path = tmp / "net.yaml"
    path.write_text(text.replace("example.org, localhost]", "example.org, example.net, localhost]"))
    return str(path)


def test_export_passes_ansible_syntax_check(tmp_path):
    out = tmp_path / "export"
    done = export(str(ROOT / "profiles" / "default.yaml"), out)
    assert done.returncode == 0, done.stderr
    assert f"ansible-playbook -i INVENTORY {out}/site.yml" in done.stdout
    for rel in (
        "site.yml",
        "ansible.cfg",
        "README.md",
        "group_vars/mail.yml",
        "roles/qmail_wizard/library/qmail_wizard.py",
        "roles/qmail_wizard/files/qmail-wizard.pyz",
    ):
        assert (out / rel).is_file(), rel
    module = out / "roles/qmail_wizard/library/qmail_wizard.py"
    compile(module.read_text(), str(module), "exec")  # shipped as .py.in, written as .py
    template = (out / "roles/qmail_wizard/templates/profile.yaml.j2").read_text()
    assert 'me: "{{ qmail_wizard_me }}"' in template
    assert 'locals: ["{{ qmail_wizard_me }}", example.org, localhost]' in template
    inventory = tmp_path / "hosts"
    inventory.write_text("[mail]\nmail1 ansible_host=127.0.0.1\n")
    check = playbook(out, inventory, "--syntax-check")
    assert check.returncode == 0, check.stdout + check.stderr
    again = export(str(ROOT / "profiles" / "default.yaml"), out)  # refreshed in place
    assert again.returncode == 0, again.stderr
    lint_path = Path(sys.executable).with_name("ansible-lint")
    if lint_path.exists():
        lint = subprocess.run(
            [str(lint_path), "site.yml"], cwd=out, capture_output=True, text=True, check=False
        )
        assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.parametrize(
    "setup, message",
    [
        ("file", "is not a directory"),
        ("foreign", "is not empty and holds no earlier export"),
        ("bad-profile", "services.qmailsmtpd"),
    ],
)
def test_export_refuses_without_writing(tmp_path, setup, message):
    out, profile = tmp_path / "out", str(ROOT / "profiles" / "default.yaml")
    if setup == "file":
        out.write_text("x")
    elif setup == "foreign":
        out.mkdir()
        (out / "notes.txt").write_text("mine")
    else:
        bad = tmp_path / "bad.yaml"
        bad.write_text(
            (ROOT / "profiles" / "default.yaml")
            .read_text()
            .replace("qmailsmtpd: true", "qmailsmtpd: maybe")
        )
        profile = str(bad)
    done = export(profile, out)
    assert done.returncode == 1 and message in done.stderr
    assert "Traceback" not in done.stderr
    assert not (out / "site.yml").exists()


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """Three 2017Q1 sandboxes with sshd published and root's key authorized, plus an
    inventory (group mail) that trusts exactly their host keys."""
    base = tmp_path_factory.mktemp("fleet")
    key = base / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    boxes, lines, known = {}, ["[mail]"], []
    try:
        for name in HOSTS:
            port = free_machine_port()
            box = Sandbox.create(
                base / name,
                "2017Q1",
                hostname=f"{name}.example.org",
                pace=0.01,
                ssh_port=port,
                authorized_key=f"{key}.pub",
            )
            boxes[name] = box
            host_key = " ".join(box.read("/etc/ssh/ssh_host_ed25519_key.pub").split()[:2])
            known.append(f"[127.0.0.1]:{port} {host_key}\n")
            lines.append(f"{name} ansible_host=127.0.0.1 ansible_port={port}")
        (base / "known_hosts").write_text("".join(known))
        lines += [
            "[mail:vars]",
            "ansible_user=root",
            f"ansible_ssh_private_key_file={key}",
            f"ansible_ssh_common_args='-o UserKnownHostsFile={base}/known_hosts "
            "-o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes'",
        ]
        inventory = base / "hosts"
        inventory.write_text("\n".join(lines) + "\n")
        out = base / "export"
        done = export(str(ROOT / "profiles" / "default.yaml"), out)
        assert done.returncode == 0, done.stderr
        yield boxes, inventory, out
    finally:
        for box in boxes.values():
            box.kill()


@pytest.fixture(scope="module")
def runs(fleet):
    """The fleet's first two runs: the first with pkg_add unable to find qmail-run once on
    mail3 (fault injection), the second after it (mail3's run is resumed)."""
    boxes, inventory, out = fleet
    boxes["mail3"].paths.faults_file.write_text(
        "faults:\n  - {kind: missing-package, package: qmail-run, times: 1}\n"
    )
    first = playbook(out, inventory, "--forks", "3")
    return first, playbook(out, inventory, "--forks", "3")


@pytest.mark.slow
def test_a_failing_host_is_reported_while_the_others_converge(fleet, runs):
    boxes, _, _ = fleet
    first, _ = runs
    assert first.returncode == 2, first.stdout[-4000:]
    counts = recap(first)
    assert counts["mail3"]["failed"] == 1, first.stdout[-4000:]
    assert "fatal: [mail3]: FAILED!" in first.stdout
    assert "apply stopped in step 'packages'" in first.stdout
    for name in ("mail1", "mail2"):
        assert counts[name]["failed"] == 0 and counts[name]["changed"] >= 1, first.stdout
        assert boxes[name].exec(["/etc/rc.d/qmailsmtpd", "status"]).returncode == 0


@pytest.mark.slow
def test_the_next_run_converges_every_host_and_smtp_accepts_mail(fleet, runs):
    boxes, _, _ = fleet
    _, converged = runs
    assert converged.returncode == 0, converged.stdout[-4000:] + converged.stderr
    counts = recap(converged)
    assert set(counts) == set(HOSTS)
    assert counts["mail3"]["changed"] >= 1 and counts["mail1"]["changed"] == 0, counts
    for name, box in boxes.items():
        assert counts[name]["failed"] == 0, counts
        python = f"python{sys.version_info.major}{sys.version_info.minor}"
        assert box.exec(["pkg_info", "-e", python]).returncode == 0  # bootstrapped by pkgin
        assert box.exec(["cat", "/var/qmail/control/me"]).stdout == f"{name}.example.org\n"
        assert box.path("/var/db/qmail-wizard/journal").exists()  # as a local apply
        assert list(box.path("/var/log/qmail-wizard").glob("*.log"))
        assert host_plan(box).returncode == 0
        with box.smtp() as smtp:
            smtp.ehlo("client.example.com")
            refused = smtp.sendmail(
                "tester@example.com",
                [f"postmaster@{name}.example.org"],
                f"Subject: fleet {name}\n\nhello {name}\n",
            )
        assert refused == {}
        assert wait_for(lambda b=box, n=name: delivered(b, f"hello {n}"), timeout=30)


@pytest.mark.slow
def test_another_run_changes_nothing(fleet, runs):
    _, inventory, out = fleet
    assert runs[1].returncode == 0
    again = playbook(out, inventory, "--forks", "3")
    assert again.returncode == 0, again.stdout[-4000:]
    assert {n: c["changed"] for n, c in recap(again).items()} == dict.fromkeys(HOSTS, 0)


@pytest.mark.slow
def test_check_diff_shows_a_changed_profile_and_changes_nothing(fleet, runs, tmp_path):
    boxes, inventory, _ = fleet
    assert runs[1].returncode == 0
    out = tmp_path / "net"
    assert export(changed_profile(tmp_path), out).returncode == 0
    before = {n: b.exec(["cat", "/var/qmail/control/locals"]).stdout for n, b in boxes.items()}
    done = playbook(out, inventory, "--forks", "3", "--check", "--diff")
    assert done.returncode == 0, done.stdout[-4000:]
    assert done.stdout.count("+example.net") == len(HOSTS)  # control/locals, per host
    assert done.stdout.count("[reloads qmailsend (locals)]") == len(HOSTS)
    assert all(c["changed"] >= 1 and c["failed"] == 0 for c in recap(done).values())
    for name, box in boxes.items():
        assert box.exec(["cat", "/var/qmail/control/locals"]).stdout == before[name]
        assert host_plan(box).returncode == 0  # the host still matches the first profile
