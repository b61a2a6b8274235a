"""Issue 16: a login that is not root acts through pkgsrc's doas (2020Q2 sandbox, user
admin with the key): a ``nopass`` rule needs nothing; a password rule gets the password
typed on the terminal (never echoed); a wrong one is a one-line error and changes
nothing on the host."""

from __future__ import annotations

import pexpect
import pytest

from tests.e2e.cli import ROOT, wizard
from tests.e2e.test_ssh import DEFAULT, RUNNING, Remote, new_keypair
from tui.backend.profile import dump, load
from tui.sandbox import pwcrypt

pytestmark = pytest.mark.sandbox
PASSWORD = "correct horse"
PASSWORD_RULE = "permit :wheel\n"
NOPASS_RULE = "permit nopass admin as root\n"


@pytest.fixture(scope="module")
def remote(tmp_path_factory):
    key = new_keypair(tmp_path_factory.mktemp("key"))
    remote = Remote(tmp_path_factory.mktemp("doas") / "box", key, "2020Q2", "admin")
    box = remote.box
    assert box.exec(["pkg_add", "doas"]).returncode == 0
    hashed = pwcrypt.sha1_crypt(PASSWORD, pwcrypt.gensalt())
    assert box.exec(["usermod", "-p", hashed, "admin"]).returncode == 0
    yield remote
    box.kill()


def rule(remote: Remote, text: str) -> None:
    """/usr/pkg/etc/doas.conf as root writes it."""
    remote.box.paths.host_path("/usr/pkg/etc/doas.conf").write_text(text)


def on_terminal(remote: Remote, password: str, *args: str) -> tuple[int, str]:
    """The wizard on a terminal, answering the password prompt; (exit status, output)."""
    argv = remote.argv(*args)
    child = pexpect.spawn(argv[0], argv[1:], cwd=ROOT, encoding="utf-8", timeout=600)
    child.expect_exact("doas password for admin on ")
    child.expect_exact(": ")
    child.sendline(password)
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, child.before


def test_a_wrong_password_is_one_line_and_changes_nothing(remote):
    rule(remote, PASSWORD_RULE)
    before = remote.box.read("/etc/rc.conf")
    status, output = on_terminal(remote, "wrong", "apply", DEFAULT, "--yes")
    assert status == 1
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines == [
        f"qmail-wizard: {remote.target}: doas refused the password of admin "
        "(doas: authentication failed)"
    ], output
    assert "wrong" not in output  # never echoed
    assert remote.box.read("/etc/rc.conf") == before
    assert remote.box.exec(["pkg_info", "-e", "qmail"]).returncode == 1
    assert remote.box.exec(["test", "-e", "/var/db/qmail-wizard"]).returncode == 1


def test_without_a_terminal_the_password_rule_is_a_one_line_error(remote):
    rule(remote, PASSWORD_RULE)
    done = remote.wizard("probe")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    assert "doas needs admin's password" in done.stderr


@pytest.mark.slow
def test_apply_with_the_password_then_verify_with_nopass(remote, tmp_path):
    """qmail installed first through the sandbox's own door (the default install over
    ssh is tests/e2e/test_ssh.py's, as root); then a change applied over ssh as admin,
    with doas's password typed on the terminal."""
    box = remote.box
    installed = wizard(box, "apply", DEFAULT, "--yes")
    assert installed.returncode == 0, installed.stderr[-2000:]
    changed = load(ROOT / "profiles" / "default.yaml")
    changed.mail.aliases["sales"] = "admin"
    profile = tmp_path / "sales.yaml"
    profile.write_text(dump(changed))
    rule(remote, PASSWORD_RULE)
    status, output = on_terminal(remote, PASSWORD, "apply", str(profile), "--yes")
    assert status == 0, output[-3000:]
    assert PASSWORD not in output
    sales = "/usr/pkg/etc/qmail/alias/.qmail-sales"
    assert box.read(sales) == "&admin\n"
    assert box.paths.host_path(sales).stat().st_uid == 0  # written as root, through doas
    for service in RUNNING:
        assert box.exec([f"/etc/rc.d/{service}", "status"]).returncode == 0, service
    rule(remote, NOPASS_RULE)
    done = remote.wizard("verify")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS  smtp-greeting" in done.stdout
    assert remote.wizard("plan", str(profile)).returncode == 0


def test_the_tui_asks_the_password_in_a_masked_field(remote, monkeypatch):
    import asyncio

    from textual.widgets import Input

    from tui.commands import interactive
    from tui.screens import sshprompt

    rule(remote, PASSWORD_RULE)
    masked = []

    def ask(screen):
        async def drive():
            app = sshprompt.PromptApp(screen)
            async with app.run_test() as pilot:
                await pilot.pause()
                masked.append(screen.query_one(Input).password)
                await pilot.press(*("space" if c == " " else c for c in PASSWORD), "enter")
                await pilot.pause()
            return app.return_value

        return asyncio.run(drive())

    monkeypatch.setattr(sshprompt, "ask", ask)
    host = interactive.connect(remote.target, str(remote.config))
    try:
        assert host.run(["id", "-u"]).stdout == "0\n"
    finally:
        host.close()
    assert masked == [True]
