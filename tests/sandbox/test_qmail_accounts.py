"""Account names come from the installed qmail's +BUILD_INFO; a missing one means exit 113."""

from __future__ import annotations

from qmailhost import setup

from tui.sandbox.install import write_stub


def test_missing_account_exits_113(make_sandbox):
    box = make_sandbox()
    write_stub(box.path("/usr/pkg/bin/qmail-start"), "qmail-start")
    done = box.exec(["qmail-start", "./Maildir/"])
    assert done.returncode == 113


def test_build_info_names_are_used(make_sandbox):
    box = make_sandbox()
    setup(box, programs=["qmail-start", "qmail-showctl"])
    info = box.path("/var/db/pkg/qmail-1.03nb27/+BUILD_INFO")
    info.parent.mkdir(parents=True, exist_ok=True)
    info.write_text("PKG_OPTIONS=qmail-netqmail\nQMAIL_SEND_USER=mysend\n")
    assert box.exec(["qmail-start", "./Maildir/"]).returncode == 113
    shown = box.exec(["qmail-showctl"]).stdout
    assert "user ids: 2010, 2011, 2012, 0, 2013, 2014, 2015, ?.\n" in shown
    assert "me: My name is mail.example.org.\n" in shown
