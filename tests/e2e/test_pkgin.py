"""Issue 3: install.method pkgin answers pkgin's prompt through pexpect (never -y),
after pkgin has shown the package list it asks about."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.cli import profile_for, wizard

PROMPT = "proceed ? [Y/n] "


@pytest.mark.slow
def test_pkgin_prompt_answered_after_the_package_list(sandbox, tmp_path):
    path = profile_for(tmp_path, "default.yaml", **{"method: binary": "method: pkgin"})
    assert "method: pkgin" in Path(path).read_text()

    plan = wizard(sandbox, "plan", path)
    assert plan.returncode == 2, plan.stderr
    assert "Install method: pkgin" in plan.stdout
    assert re.search(r"^\s*\$ (env \S+ )?pkgin install qmail-run$", plan.stdout, re.M)

    applied = wizard(sandbox, "apply", path, "--yes")
    assert applied.returncode == 0, applied.stderr[-3000:] + applied.stdout
    log_path = re.search(r"Log: (/var/log/qmail-wizard/\S+\.log)", applied.stdout)[1]
    log = sandbox.read(log_path).splitlines()

    commands = [line for line in log if "$ " in line and "pkgin" in line]
    install = [line for line in commands if "pkgin install" in line]
    assert len(install) == 1 and install[0].endswith("pkgin install qmail-run"), commands
    assert not any(re.search(r"\s-\w*y", line.split("$ ", 1)[1]) for line in commands), commands

    start = log.index(install[0])
    prompt = next(i for i, line in enumerate(log) if i > start and PROMPT in line)
    assert "(answered by qmail-wizard)" in log[prompt]
    assert log[prompt].split(PROMPT, 1)[1].startswith("y")
    listed = log[start:prompt]
    assert any("packages to be installed" in line for line in listed), listed
    installed = {sandbox.exec(["pkg_info", "-e", p]).stdout.strip() for p in ("qmail", "qmail-run")}
    assert all(name and any(name in line for line in listed) for name in installed), listed
    if sandbox.config["flavor"] == "2017Q1":
        assert any("qmail-1.03nb27" in line for line in listed)
    after = log[prompt + 1 :]
    assert any("installing qmail-run" in line for line in after)  # pkgin went on after the answer

    for service in ("qmailsend", "qmailsmtpd"):
        assert sandbox.exec([f"/etc/rc.d/{service}", "status"]).returncode == 0
    again = wizard(sandbox, "plan", path)
    assert again.returncode == 0, again.stdout
