"""Issue 3: comments and unrelated lines of rc.conf, mailer.conf and mk.conf are
byte-identical after apply; only the wizard's own lines change."""

from __future__ import annotations

import difflib
import re

import pytest

from tests.e2e.cli import ROOT, wizard

RC_LOCAL_TOP = """\
# --- local: network (do not touch) ---
ifconfig_wm0="inet 192.0.2.10 netmask 255.255.255.0"	# uplink
defaultroute=192.0.2.1
postfix=YES		# base MTA until qmail is in
qmailsmtpd=NO	# enable once DNS points here
dhcpcd=NO
"""
RC_LOCAL_END = """\

# --- local: misc ---
savecore=NO	  # no dumps on this box
#qmailsmtpd=YES   (left commented by the admin)
cron=YES"""  # no final newline
MAILER_TOP = "# local: vacation(1) from pkgsrc, keep it\nvacation\t/usr/pkg/bin/vacation\n"
MAILER_END = "#  mailq\t/usr/local/bin/mailq   (old, kept for reference)\n"
NEWALIASES = "newaliases\t/usr/libexec/postfix/sendmail\n"
MAILER_NOTE = "\t# local: keep this note\n"
MK_CONF = """\
# /etc/mk.conf -- local pkgsrc settings
CFLAGS+=	-O2
.ifdef BSD_PKG_MK	# only inside pkgsrc
PKG_DEVELOPER=	yes
.endif
WRKOBJDIR=	/usr/tmp/work	# off /usr/pkgsrc
"""

#: lines the wizard may add (rc.conf knobs, its marker, mailer.conf entries, mk.conf vars)
ADDED_RC = re.compile(r"(|# qmail-wizard|(postfix|qmail\w+)=(YES|NO))\n?")
ADDED_MAILER = re.compile(r"\S+\t+/usr/pkg/bin/(sendmail|qmail-\S+|newaliases)\n")
ADDED_MK = re.compile(r"PKG_OPTIONS\.qmail=\t.*\n")


def _changes(before: str, after: str) -> tuple[list[str], list[str]]:
    """(lines removed or replaced, lines added) by a line diff, newlines kept."""
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    removed, added = [], []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed += a[i1:i2]
            added += b[j1:j2]
    return removed, added


def _in_order(lines: list[str], text: str) -> bool:
    rest = iter(text.splitlines(keepends=True))
    return all(any(line == have for have in rest) for line in lines)


def _local_edits(box) -> dict[str, str]:
    rc = box.read("/etc/rc.conf")
    anchor = "# Add local overrides below.\n#\n"
    assert anchor in rc
    rc = rc.replace(anchor, anchor + RC_LOCAL_TOP) + RC_LOCAL_END
    mailer = box.read("/etc/mailer.conf")
    first_map = mailer.index("sendmail\t")
    mailer = mailer[:first_map] + MAILER_TOP + mailer[first_map:] + MAILER_END
    mailer = mailer.replace(NEWALIASES, NEWALIASES.rstrip("\n") + MAILER_NOTE)
    texts = {"/etc/rc.conf": rc, "/etc/mailer.conf": mailer, "/etc/mk.conf": MK_CONF}
    for path, text in texts.items():
        box.path(path).write_text(text)
    return texts


def _check(box, before: dict[str, str], source_build: bool) -> None:
    after = {path: box.read(path) for path in before}
    rc_removed, rc_added = _changes(before["/etc/rc.conf"], after["/etc/rc.conf"])
    local_rc = [
        line
        for line in (RC_LOCAL_TOP + RC_LOCAL_END).splitlines(keepends=True)
        if not line.startswith(("postfix=", "qmailsmtpd="))
    ]
    # the last local line had no newline: the wizard may add one, nothing else
    assert _in_order(local_rc[:-1], after["/etc/rc.conf"])
    assert "\ncron=YES\n" in after["/etc/rc.conf"]
    in_place = {
        "postfix=YES\t\t# base MTA until qmail is in\n": "postfix=NO\t\t# base MTA until qmail is in\n",
        "qmailsmtpd=NO\t# enable once DNS points here\n": "qmailsmtpd=YES\t# enable once DNS points here\n",
    }
    assert rc_removed == [*in_place, "cron=YES"]
    assert all(new in rc_added for new in in_place.values())  # edited in place
    assert all(
        (ADDED_RC.fullmatch(line) and not line.startswith("qmailsmtpd="))
        or line in [*in_place.values(), "cron=YES\n"]
        for line in rc_added
    ), rc_added

    m_removed, m_added = _changes(before["/etc/mailer.conf"], after["/etc/mailer.conf"])
    assert _in_order((MAILER_TOP + MAILER_END).splitlines(keepends=True), after["/etc/mailer.conf"])
    assert all(
        "/usr/libexec/postfix/sendmail" in line and not line.startswith("#") for line in m_removed
    ), m_removed
    assert len(m_removed) == 4
    noted = "newaliases\t/usr/pkg/bin/newaliases" + MAILER_NOTE  # edited, note kept
    assert noted in m_added
    assert all(ADDED_MAILER.fullmatch(line) for line in m_added if line != noted), m_added
    for line in before["/etc/mailer.conf"].splitlines(keepends=True):
        if line.startswith("#"):  # every comment, shipped or local, kept
            assert line in after["/etc/mailer.conf"]

    k_removed, k_added = _changes(before["/etc/mk.conf"], after["/etc/mk.conf"])
    assert k_removed == []
    if source_build:
        assert k_added == ["PKG_OPTIONS.qmail=\tqmail-srs -qmail-realrcptto\n"]
    else:
        assert after["/etc/mk.conf"] == MK_CONF


@pytest.mark.slow
def test_default_profile_keeps_local_edits(sandbox):
    before = _local_edits(sandbox)
    applied = wizard(sandbox, "apply", str(ROOT / "profiles" / "default.yaml"), "--yes")
    assert applied.returncode == 0, applied.stderr[-3000:] + applied.stdout
    _check(sandbox, before, source_build=False)
    again = wizard(sandbox, "plan", str(ROOT / "profiles" / "default.yaml"))
    assert again.returncode == 0, again.stdout


@pytest.mark.slow
def test_source_build_keeps_local_edits(make_sandbox):
    box = make_sandbox("2017Q1")
    before = _local_edits(box)
    applied = wizard(box, "apply", str(ROOT / "profiles" / "srs-source.yaml"), "--yes")
    assert applied.returncode == 0, applied.stderr[-3000:] + applied.stdout
    _check(box, before, source_build=True)
    again = wizard(box, "plan", str(ROOT / "profiles" / "srs-source.yaml"))
    assert again.returncode == 0, again.stdout
