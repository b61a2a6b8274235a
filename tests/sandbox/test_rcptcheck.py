"""2020Q2: qmail-smtpd's qmail-spp runs qmail-rcptcheck, which runs control/rcptchecks
(qmail-rcptcheck-realrcptto), so an unknown local recipient is refused at RCPT.

The host is what ``pkg_add qmail-run`` leaves (qmail, qmail-rejectutils, the control
defaults), with qmail-smtpd under tcpserver started by hand: port 25 as for the
world, port 26 with RELAYCLIENT set as tcprules gives 127.x.
"""

from __future__ import annotations

import pytest

from tests.polling import wait_for
from tui.sandbox.handle import Sandbox

CONTROL = "/usr/pkg/etc/qmail/control"
REFUSED = (553, b"sorry, no mailbox here by that name. (#5.1.1)")
SETUP = f"""set -e
/etc/rc.d/postfix stop
pkg_add qmail-run
echo mail.example.org > {CONTROL}/me
echo mail.example.org > {CONTROL}/locals
echo mail.example.org > {CONTROL}/rcpthosts
echo '&admin' > /usr/pkg/etc/qmail/alias/.qmail-xyz
cd /
for port in 25 26; do
  relay=; [ $port = 26 ] && relay=RELAYCLIENT=
  (env - PATH=/usr/pkg/bin:/usr/bin:/bin $relay tcpserver -R -u "$(id -u qmaild)" \\
    -g "$(id -g qmaild)" 127.0.0.1 $port qmail-smtpd >/dev/null 2>/root/smtpd$port.log &)
done
"""


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    box = Sandbox.create(tmp_path_factory.mktemp("rcptcheck") / "box", flavor="2020Q2")
    try:
        done = box.sh(SETUP)
        assert done.returncode == 0, done.stderr
        yield box
    finally:
        box.kill()


def rcpt(box, port: int, addr: str) -> tuple[int, bytes]:
    def attempt():
        try:
            return box.smtp(port)
        except OSError:
            return None

    client = wait_for(attempt, timeout=10)
    assert client
    try:
        client.ehlo("client.example")
        assert client.mail("alice@origin.example")[0] == 250
        return client.rcpt(addr)
    finally:
        client.quit()


def test_qmail_run_installs_the_rcpt_checks(host):
    checks = host.read(f"{CONTROL}/rcptchecks").splitlines()
    assert [c for c in checks if not c.startswith("#")] == [
        "/usr/pkg/bin/qmail-rcptcheck-realrcptto"
    ]
    plugins = host.read(f"{CONTROL}/smtpplugins")
    assert "[rcpt]\n/usr/pkg/bin/qmail-rcptcheck\n" in plugins
    assert host.exec(["pkg_info", "-e", "qmail-rejectutils"]).stdout.strip() == (
        "qmail-rejectutils-20181230nb1"
    )


def test_unknown_local_recipient_is_refused_at_rcpt(host):
    assert rcpt(host, 25, "nobody-here@mail.example.org") == REFUSED
    log = host.read("/root/smtpd25.log")
    assert "qmail-rcptcheck: from alice@origin.example to nobody-here@mail.example.org" in log
    assert "rcptcheck: realrcptto" in log and "nobody-here@mail.example.org" in log


def test_known_user_and_alias_are_accepted(host):
    assert rcpt(host, 25, "admin@mail.example.org")[0] == 250
    assert rcpt(host, 25, "xyz@mail.example.org")[0] == 250
    assert rcpt(host, 25, "xyz-more@mail.example.org") == REFUSED  # no .qmail-xyz-default


def test_remote_recipient_passes_the_check(host):
    # realrcptto leaves remote domains alone; rcpthosts then decides
    assert rcpt(host, 26, "someone@remote.example")[0] == 250
    assert rcpt(host, 25, "someone@remote.example")[0] == 553
    assert b"rcpthosts" in rcpt(host, 25, "someone@remote.example")[1]
    # with RELAYCLIENT the local check still runs (spp runs before RELAYCLIENT is applied)
    assert rcpt(host, 26, "nobody-here@mail.example.org") == REFUSED


def test_no_rcptchecks_accepts_everyone(host):
    host.path(f"{CONTROL}/rcptchecks").write_text("")
    try:
        assert rcpt(host, 25, "nobody-here@mail.example.org")[0] == 250
    finally:
        host.path(f"{CONTROL}/rcptchecks").write_text("/usr/pkg/bin/qmail-rcptcheck-realrcptto\n")
