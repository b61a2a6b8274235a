"""Where each probed value came from (issue 6): ``path:line`` for values read from files."""

from __future__ import annotations

from tui.backend.catalog import builtin
from tui.backend.hoststate import HostState
from tui.backend.profile.discover import profile_from_state

CONTROL = "/usr/pkg/etc/qmail/control"
INFO = "/var/db/pkg/qmail-1.03nb27/+BUILD_INFO"


def installed_state() -> HostState:
    files = {
        "/etc/passwd": "root:*:0:0::/root:/bin/sh\nadmin:*:1000:100::/home/admin:/bin/sh\n",
        "/etc/rc.conf": "# local\nhostname=mail\nqmailsend=YES\n\nqmailsmtpd=NO\nqmailsmtpd=YES\n",
        "/etc/mailer.conf": "# mailer\nsendmail\t/usr/pkg/bin/sendmail\n",
        f"{CONTROL}/me": "mail.example.org\n",
        f"{CONTROL}/locals": "# who we are\nmail.example.org\nexample.org\n",
        f"{CONTROL}/rcpthosts": "mail.example.org\n\nexample.net\n",
        "/usr/pkg/etc/qmail/alias/.qmail-root": "# forward\n&admin\n",
        "/usr/pkg/etc/qmail/tcp.smtp": '# rules\n127.:allow,RELAYCLIENT=""\n:allow\n',
        INFO: "MACHINE_ARCH=x86_64\nPKG_OPTIONS=qmail-srs\nQMAIL_DAEMON_USER=mydaemon\n",
    }
    return HostState(
        uname="NetBSD 7.1 amd64",
        hostname="mail.example.org",
        files=files,
        packages={"qmail": "qmail-1.03nb27"},
        build_info={"qmail": {"PKG_OPTIONS": "qmail-srs", "QMAIL_DAEMON_USER": "mydaemon"}},
    )


def test_each_value_names_its_file_and_line():
    sources: dict[str, str] = {}
    profile = profile_from_state(installed_state(), builtin("2017Q1"), sources)
    assert profile.mail.locals == ["mail.example.org", "example.org"]
    assert sources["mail.me"] == f"{CONTROL}/me:1"
    assert sources["mail.locals"] == f"{CONTROL}/locals:2"
    assert sources["mail.rcpthosts"] == f"{CONTROL}/rcpthosts:1"
    assert sources["mail.aliases.root"] == "/usr/pkg/etc/qmail/alias/.qmail-root:2"
    assert sources["mail.relay_from"] == "/usr/pkg/etc/qmail/tcp.smtp:2"
    assert sources["services.qmailsend"] == "/etc/rc.conf:3"
    # the last assignment is the one sh keeps
    assert sources["services.qmailsmtpd"] == "/etc/rc.conf:6"
    assert sources["services.replace_mta"] == "/etc/mailer.conf:2"
    assert sources["build.options"] == f"{INFO}:2"
    assert sources["build.accounts.daemon"] == f"{INFO}:3"
    assert profile.build.accounts.daemon == "mydaemon"


def test_defaults_have_no_file_source():
    sources: dict[str, str] = {}
    state = installed_state()
    state.files.pop(f"{CONTROL}/rcpthosts")
    profile_from_state(state, builtin("2017Q1"), sources)
    assert "mail.rcpthosts" not in sources
    assert "build.accounts.alias" not in sources  # not in the build info: the default
