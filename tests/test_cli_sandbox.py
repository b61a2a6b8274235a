"""The sandbox CLI: bad input gives one clear message, exit 1, no traceback, no change."""

from __future__ import annotations

import pytest

from tests.e2e.cli import qmail_wizard

pytestmark = pytest.mark.sandbox  # runs qmail-wizard on sandboxes in a subprocess


def test_bad_hostname_is_refused_before_anything_is_written(tmp_path):
    target = tmp_path / "box"
    done = qmail_wizard("sandbox", "create", str(target), "--hostname", "not a host")
    assert done.returncode == 1
    assert "--hostname 'not a host' is not a fully qualified domain name" in done.stderr
    assert "Traceback" not in done.stderr
    assert not target.exists()


def test_bad_admin_user_is_refused(tmp_path):
    done = qmail_wizard("sandbox", "create", str(tmp_path / "box"), "--admin-user", "Bad;name")
    assert done.returncode == 1
    assert "--admin-user 'Bad;name' is not a valid NetBSD login name" in done.stderr


def test_non_empty_directory_is_refused(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    done = qmail_wizard("sandbox", "create", str(tmp_path))
    assert done.returncode == 1
    assert "is not empty" in done.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_exec_on_a_non_sandbox_says_how_to_create_one(tmp_path):
    done = qmail_wizard("sandbox", "exec", str(tmp_path), "--", "uname")
    assert done.returncode == 1
    assert f"{tmp_path} is not a sandbox: create one with" in done.stderr


def test_unknown_flavor_lists_the_choices(tmp_path):
    done = qmail_wizard("sandbox", "create", str(tmp_path / "b"), "--flavor", "2019Q9")
    assert done.returncode == 2
    assert "choose from '2017Q1', '2020Q2'" in done.stderr


def test_create_exec_stop_round_trip(tmp_path):
    box = tmp_path / "box"
    try:
        assert qmail_wizard("sandbox", "create", str(box)).returncode == 0
        done = qmail_wizard("sandbox", "exec", str(box), "--", "sh", "-c", "uname -s; exit 4")
        assert (done.returncode, done.stdout) == (4, "NetBSD\n")
    finally:
        assert qmail_wizard("sandbox", "stop", str(box)).returncode == 0
