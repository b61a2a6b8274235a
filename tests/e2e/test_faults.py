"""Issue 3: with each injected fault, apply fails with one clear paragraph and leaves
no file changed without a backup; once the fault is gone, ``apply --resume`` finishes.

"Changed without a backup" is judged against two trees: the fresh host before apply,
and what the same package command alone (``pkg_add qmail-run``) changes on another
fresh host (those files are the packages' own, not the wizard's writes).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.e2e.cli import ROOT, wizard
from tui.sandbox.handle import Sandbox

DEFAULT = str(ROOT / "profiles" / "default.yaml")
PKG_ADD = "`env PKG_RCD_SCRIPTS=YES pkg_add -v qmail-run`"
#: state that running qmail and qmail-wizard itself keep (logs, queue, journal, backups)
RUNTIME = (
    "/var/log/",
    "/var/run/",
    "/var/spool/qmail/",
    "/var/db/qmail-wizard/",
    "/var/backups/qmail-wizard/",
    "/tmp/",
)
#: mail delivered into a Maildir (the verify step's test message) is mail, not a file
#: the run changed
DELIVERED = re.compile(r"^/home/[^/]+/Maildir/(new|cur)/[^/]+$")

FAULTS = {  # fault entry -> (failing step, the command it names)
    "{kind: missing-package, package: qmail-run}": ("packages", PKG_ADD),
    "{kind: network-failure, package: qmail, at_percent: 40}": ("packages", PKG_ADD),
    "{kind: install-script-failure, package: qmail}": ("packages", PKG_ADD),
    "{kind: service-start-failure, service: qmailsmtpd}": ("services", "/etc/rc.d/qmailsmtpd"),
}


def snapshot(root: Path) -> dict[str, bytes | tuple[str, str]]:
    """Every regular file and symlink under ``root`` by NetBSD path (no /proc, /dev)."""
    tree: dict[str, bytes | tuple[str, str]] = {}
    for dirpath, dirs, files in os.walk(root):
        here = "/" + os.path.relpath(dirpath, root).lstrip(".")
        if here in ("/proc", "/dev"):
            dirs[:] = []
            continue
        for name in files + [d for d in dirs if os.path.islink(os.path.join(dirpath, d))]:
            full, path = os.path.join(dirpath, name), os.path.normpath(f"{here}/{name}")
            if os.path.islink(full):
                tree[path] = ("symlink", os.readlink(full))
            elif os.path.isfile(full):
                tree[path] = Path(full).read_bytes()
    return tree


def changed_paths(before: dict, after: dict) -> set[str]:
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


def last_run(box) -> str:
    return box.read("/var/db/qmail-wizard/last-run").strip()


def manifest(box, run_id: str) -> dict[str, dict]:
    path = box.path(f"/var/backups/qmail-wizard/{run_id}/MANIFEST")
    return json.loads(path.read_text()) if path.exists() else {}


def smtp_accepts(box) -> None:
    client = box.smtp(25)
    try:
        assert client.mail("someone@example.net")[0] == 250
        assert client.rcpt("admin@mail.example.org")[0] == 250
        assert client.data(b"Subject: after the fault\r\n\r\nHello.\r\n")[0] == 250
    finally:
        client.quit()


def packages_alone(box) -> tuple[dict, dict]:
    """(fresh tree, tree after the package command alone) of a fresh host ``box``."""
    fresh = snapshot(box.paths.root)
    added = box.exec(["env", "PKG_RCD_SCRIPTS=YES", "pkg_add", "-v", "qmail-run"])
    assert added.returncode == 0, added.stderr
    return fresh, snapshot(box.paths.root)


@pytest.fixture(scope="module")
def package_effect(tmp_path_factory):
    """:func:`packages_alone` on a fresh 2017Q1 host."""
    box = Sandbox.create(tmp_path_factory.mktemp("packages") / "sb", pace=0.02)
    try:
        return packages_alone(box)
    finally:
        box.kill()


def assert_backed_up(box, run_id: str, fresh: dict, after: dict, package_effect) -> None:
    """Every file the run changed is a package's, runtime state, or backed up with the
    content it had before the run wrote it."""
    pkg_before, pkg_after = package_effect
    by_packages = changed_paths(pkg_before, pkg_after)
    saved = manifest(box, run_id)
    unexplained = sorted(
        p
        for p in changed_paths(fresh, after)
        if p not in saved
        and p not in by_packages
        and not p.startswith(RUNTIME)
        and not DELIVERED.match(p)
    )
    assert not unexplained, f"changed without a backup: {unexplained}"
    for path, entry in saved.items():
        previous = pkg_after.get(path) if path in by_packages else fresh.get(path)
        if entry["existed"]:
            backup = box.path(f"/var/backups/qmail-wizard/{run_id}{path}").read_bytes()
            assert backup == previous, path
        else:
            assert previous is None, path


@pytest.mark.slow
@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_fails_cleanly_then_resume_completes(make_sandbox, package_effect, fault):
    box = make_sandbox("2017Q1")
    fresh = snapshot(box.paths.root)
    box.paths.faults_file.write_text(f"faults:\n  - {fault}\n")

    failed = wizard(box, "apply", DEFAULT, "--yes")
    assert failed.returncode == 1, failed.stderr
    run_id = last_run(box)
    paragraphs = [
        line
        for line in failed.stderr.splitlines()
        if line.strip() and not line.startswith(("[", " "))  # step lines, wrapped
    ]
    assert len(paragraphs) == 1, failed.stderr
    message = paragraphs[0]
    step, command = FAULTS[fault]
    log = f"/var/log/qmail-wizard/{run_id}.log"
    assert message.startswith(f"qmail-wizard: apply stopped in step '{step}': `"), message
    assert command in message and "exited with status 1" in message, message
    assert log in message and f"apply {DEFAULT} --resume" in message, message
    assert f"[{step}] FAILED: " in box.read(log)
    assert_backed_up(box, run_id, fresh, snapshot(box.paths.root), package_effect)
    if step == "services":  # the files written before it are among those backed up
        assert {"/etc/rc.conf", "/etc/mailer.conf"} <= manifest(box, run_id).keys()

    box.paths.faults_file.write_text("faults: []\n")
    resumed = wizard(box, "apply", DEFAULT, "--yes", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert f"(run {run_id})" in resumed.stdout
    plan = wizard(box, "plan", DEFAULT)
    assert plan.returncode == 0, plan.stdout
    smtp_accepts(box)
