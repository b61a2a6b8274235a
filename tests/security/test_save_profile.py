"""Ctrl+S (issue 12, point 7): asks for a file name in the current directory, refuses
a symbolic link there (naming it and its target) and never writes through one.

The link is laid by the test process: on the machine running the wizard the current
directory may be one another user can write to (/tmp); the refusal does not depend on
who made the link."""

from __future__ import annotations

import os

from tests.e2e.cli import wizard
from tests.security.test_host_text import until
from tui.backend.hosts import SandboxHost
from tui.backend.session import Session
from tui.screens.save import SaveScreen
from tui.wizard import WizardApp

DEFAULT = "qmail-wizard-profile.yaml"


def wizard_app(make_sandbox):
    box = make_sandbox()
    return WizardApp(Session(SandboxHost(box.paths.base))), box


async def open_save(pilot) -> SaveScreen:
    app = pilot.app
    await until(pilot, lambda: app.session.profile is not None, "the probe")
    await pilot.press("ctrl+s")
    await until(pilot, lambda: isinstance(app.screen, SaveScreen), "the save dialog")
    return app.screen


async def test_ctrl_s_refuses_a_symlink_named_like_the_default(make_sandbox, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    victim = tmp_path / "victim.conf"
    victim.write_text("precious\n")
    os.symlink(victim, tmp_path / DEFAULT)
    app, _box = wizard_app(make_sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = await open_save(pilot)
        field = dialog.query_one("#file")
        assert field.value == str(tmp_path / DEFAULT)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog  # still asking
        assert str(dialog.query_one("#error").render()) == (
            f"Not saved: {tmp_path / DEFAULT} is a symbolic link to {victim}: not written"
        )
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SaveScreen) and app.is_running
    assert victim.read_text() == "precious\n"
    assert os.readlink(tmp_path / DEFAULT) == str(victim)
    assert sorted(os.listdir(tmp_path)) == sorted([DEFAULT, "victim.conf", "sb0"])


async def test_ctrl_s_refuses_a_hard_linked_file(make_sandbox, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    victim = tmp_path / "victim.conf"
    victim.write_text("precious\n")
    os.link(victim, tmp_path / "linked.yaml")
    app, _box = wizard_app(make_sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = await open_save(pilot)
        field = dialog.query_one("#file")
        field.value = "linked.yaml"  # relative: the current directory
        await pilot.press("enter")
        await pilot.pause()
        assert str(dialog.query_one("#error").render()) == (
            f"Not saved: {tmp_path / 'linked.yaml'} has 2 hard links: not written"
        )
    assert victim.read_text() == "precious\n"


async def test_ctrl_s_saves_a_profile_that_validates(make_sandbox, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app, box = wizard_app(make_sandbox)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_save(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, SaveScreen), "the dialog closing")
        assert app.save_path == str(tmp_path / DEFAULT)
    saved = tmp_path / DEFAULT
    assert saved.is_file() and not saved.is_symlink()
    assert oct(saved.stat().st_mode & 0o777) == oct(0o644)
    checked = wizard(box, "validate", str(saved), timeout=120)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout == f"{saved}: valid (checked against this host).\n"
    assert not [n for n in os.listdir(tmp_path) if ".qw-tmp-" in n]


async def test_ctrl_s_on_the_dashboard_reads_the_settings_then_saves(
    make_sandbox, tmp_path, monkeypatch
):
    """The Dashboard alone does not read the option catalog; Ctrl+S reads it, then
    asks for the file name, and the saved profile is the host's."""
    from tests.security.test_records import installed  # a default install, qmail running
    from tui.backend.profile import read
    from tui.screens.dashboard import DashboardScreen

    monkeypatch.chdir(tmp_path)
    box = installed(make_sandbox)
    app = WizardApp(Session(SandboxHost(box.paths.base)))
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), "the Dashboard")
        assert app.session.profile is None
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, SaveScreen), "the save dialog")
        await pilot.press("enter")
        await until(pilot, (tmp_path / DEFAULT).exists, "the saved file")
    saved = read(tmp_path / DEFAULT, DEFAULT).profile
    assert saved == app.session.profile and saved.mail.me == "mail.example.org"
