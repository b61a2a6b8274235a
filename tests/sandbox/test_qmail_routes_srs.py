"""smtproutes, SRS, databytes and realrcptto in the sandbox, proven with curl and a fake
remote MX (tests/sandbox/smtpsink.py) on a loopback port inside the sandbox.

The host is set up as an admin would: qmail built from pkgsrc with qmail-srs
(``make install``), then control files, aliases and daemons by hand.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from qmailhost import START, open_interpreter_path

from tests.polling import wait_for
from tui.sandbox.handle import Sandbox

CONTROL = "/usr/pkg/etc/qmail/control"
ALIAS = "/usr/pkg/etc/qmail/alias"
SINK_PORT = 2526
SINK_LOG = "/root/sink.log"
SRS0 = re.compile(r"<SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=origin\.example=alice@srs\.example\.org>")
FILES = {
    "me": "mail.example.org",
    "locals": "mail.example.org",
    "rcpthosts": "mail.example.org\nsrs.example.org",
    "virtualdomains": "srs.example.org:srs",
    "srs_domain": "srs.example.org",
    "srs_secrets": "not-a-real-secret",
    "smtproutes": (
        f"remote.example:127.0.0.1:{SINK_PORT}\nclosed.example:127.0.0.1:2599\n"
        f"named.example:relay.example\n:127.0.0.1:{SINK_PORT}"
    ),
    "databytes": "4000",
}


def _uid_gid(box, user: str) -> tuple[str, str]:
    for line in box.read("/etc/passwd").splitlines():
        fields = line.split(":")
        if fields[0] == user:
            return fields[2], fields[3]
    raise AssertionError(f"no {user} in /etc/passwd")


@pytest.fixture(scope="module", params=["2017Q1", "2020Q2"])
def host(request, tmp_path_factory):
    box = Sandbox.create(tmp_path_factory.mktemp("routes") / "box", flavor=request.param, pace=0.02)
    try:
        open_interpreter_path(box)
        box.sh("/etc/rc.d/postfix stop")
        box.path("/etc/mk.conf").write_text("PKG_OPTIONS.qmail=qmail-srs\n")
        built = box.exec(["make", "install"], cwd="/usr/pkgsrc/mail/qmail")
        assert built.returncode == 0, built.stderr
        for name, text in FILES.items():
            box.path(f"{CONTROL}/{name}").write_text(text + "\n")
        if request.param == "2020Q2":  # qmail-spp's qmail-smtpd needs it; qmail-run ships it
            box.path(f"{CONTROL}/smtpplugins").write_text("")
        box.path(f"{ALIAS}/.qmail-fwd").write_text("&someone@remote.example\n")
        box.path(f"{ALIAS}/.qmail-srs-default").write_text("| /usr/pkg/bin/srsfilter\n")
        box.path("/root/smtpsink.py").write_text(
            (Path(__file__).parent / "smtpsink.py").read_text()
        )
        uid, gid = _uid_gid(box, "qmaild")
        done = box.sh(
            f"chgrp nofiles {CONTROL}/srs_secrets && chmod 640 {CONTROL}/srs_secrets"
            " && { [ -d /var/spool/qmail/mess/0 ] || /.sandbox/bin/python -c"
            " 'from tui.sandbox.qmail import queue; queue.create()'; }"
            f" && (/.sandbox/bin/python /root/smtpsink.py {SINK_PORT} {SINK_LOG}"
            " >/dev/null 2>&1 &) && cd / && (env - PATH=/usr/pkg/bin:/usr/bin:/bin"
            f" tcpserver -R -c 20 -u {uid} -g {gid} 127.0.0.1 25 qmail-smtpd"
            " >/dev/null 2>&1 &)"
        )
        assert done.returncode == 0, done.stderr
        started = box.sh(START)
        assert started.returncode == 0, started.stderr
        yield box
    finally:
        box.kill()


def curl(box, sender: str, rcpt: str, body: str = "Subject: hi\r\n\r\nhello\r\n"):
    box.path("/root/msg.txt").write_text(body)

    def attempt():
        run = box.exec(
            [
                "curl", "-sS", "-v", "smtp://127.0.0.1:25", "--mail-from", sender,
                "--mail-rcpt", rcpt, "-T", "/root/msg.txt",
            ]
        )  # fmt: skip
        return None if run.returncode == 7 else run  # 7: the listener is not up yet

    return wait_for(attempt)


def sink_entries(box) -> list[dict]:
    try:
        text = box.read(SINK_LOG)
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines()]


def sent_to(box, rcpt: str) -> dict | None:
    return wait_for(lambda: next((e for e in sink_entries(box) if e["to"] == [rcpt]), None))


def test_forward_leaves_through_route_with_srs0_sender_and_bounce_returns(host):
    sent = curl(host, "alice@origin.example", "fwd@mail.example.org")
    assert sent.returncode == 0, sent.stderr
    entry = sent_to(host, "<someone@remote.example>")
    assert entry, host.read("/var/log/maillog")
    assert SRS0.fullmatch(entry["from"]), entry
    assert "Delivered-To: fwd@mail.example.org" in entry["data"]
    # qmail-send logs the delivery after qmail-remote reported it: the sink has it first
    success = re.compile(
        r"delivery \d+: success: 127\.0\.0\.1_accepted_message\./Remote_host_said:"
    )
    assert wait_for(lambda: success.search(host.read("/var/log/maillog"))), host.read(
        "/var/log/maillog"
    )[-2000:]

    srs_address = entry["from"][1:-1]
    bounce = curl(
        host,
        "",
        srs_address,
        "From: MAILER-DAEMON@remote.example\r\nTo: whoever\r\nSubject: failure notice\r\n\r\nno\r\n",
    )
    assert bounce.returncode == 0, bounce.stderr
    back = sent_to(host, "<alice@origin.example>")
    assert back, host.read("/var/log/maillog")
    assert back["from"] == "<>"
    assert "To: alice@origin.example\r\n" in back["data"]
    assert "To: whoever" not in back["data"]


def test_forged_srs_address_is_not_relayed(host):
    forged = "SRS0=AAAA=AA=victim.example=bob@srs.example.org"
    assert curl(host, "", forged).returncode == 0
    log = lambda: host.read("/var/log/maillog")  # noqa: E731
    assert wait_for(lambda: "srsfilter:_fatal:_SRS:_" in log()), log()
    assert not any(e["to"] == ["<bob@victim.example>"] for e in sink_entries(host))


def test_message_over_databytes_gets_552(host):
    body = "Subject: big\r\n\r\n" + ("x" * 70 + "\r\n") * 80
    run = curl(host, "alice@origin.example", "fwd@mail.example.org", body)
    assert run.returncode != 0
    assert "552 sorry, that message size exceeds my databytes limit (#5.3.4)" in run.stderr


def test_unknown_local_recipient_at_rcpt(host):
    known = curl(host, "alice@origin.example", "admin@mail.example.org")
    assert known.returncode == 0, known.stderr
    unknown = curl(host, "alice@origin.example", "nosuch@mail.example.org")
    if host.config.get("flavor") == "2017Q1":
        assert unknown.returncode != 0
        assert "< 550 sorry, no mailbox here by that name. (#5.1.1)" in unknown.stderr
    else:  # 2020Q2 refuses only via qmail-run's rcpt plugins (test_rcptcheck); none here
        assert unknown.returncode == 0, unknown.stderr


def test_qmail_remote_route_failures(host):
    def remote(domain: str) -> str:
        run = host.sh(f"echo hi | qmail-remote {domain} a@origin.example b@{domain}")
        return run.stdout

    assert remote("closed.example") == (
        "ZSorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n\0"
    )
    assert remote("named.example") == "ZSorry, I couldn't find any host by that name. (#4.1.2)\n\0"
    assert remote("sub.remote.example").startswith("r\0K127.0.0.1 accepted message.\n")
