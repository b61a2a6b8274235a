"""verify's pure parts: which tcp.smtp rule a client gets, the maillog chain, the report."""

from __future__ import annotations

from tui.backend.files import tcprules
from tui.backend.verify import Check, render_text, to_json
from tui.backend.verify.delivery import Chain
from tui.backend.verify.rules import rule_for

RULES = tcprules.parse(
    '127.0.0.1:allow,RELAYCLIENT=""\n10.1.2.3-9:allow,RELAYCLIENT=""\n10.:deny\n:allow\n'
)


def test_rule_for_follows_tcpserver_lookup_order():
    assert rule_for(RULES, "127.0.0.1").address == "127.0.0.1"
    assert rule_for(RULES, "127.0.0.2").address == ""
    assert rule_for(RULES, "10.1.2.5").address == "10.1.2.3-9"
    assert rule_for(RULES, "10.1.2.10").action == "deny"
    assert rule_for(tcprules.parse("127.:allow\n"), "192.0.2.1") is None


def test_chain_follows_forwards_and_settles():
    chain = Chain("v-1@x")
    chain.feed(
        "info msg 7: bytes 9 from <v-1@x> qp 1 uid 0\n"
        "info msg 8: bytes 9 from <other@x> qp 2 uid 0\n"
        "starting delivery 1: msg 7 to local postmaster@x\n"
        "info msg 9: bytes 9 from <v-1@x> qp 3 uid 1001\n"
    )
    assert not chain.settled
    chain.feed(
        "delivery 1: success: did_0+1+0/qp_3/\nstarting delivery 2: msg 9 to local a@x\n"
        "starting delivery 3: msg 8 to local b@x\n"
    )
    assert not chain.settled
    chain.feed("delivery 2: deferral: Unable_to_open_./Maildir//\n")
    assert chain.settled and chain.outcomes == ["success", "deferral"]
    assert "msg 8" not in " ".join(chain.lines)


def test_render_text_and_json():
    checks = [Check("a", "A works", True, "fine"), Check("b", "B works", False, "broken", "fix b")]
    assert render_text(checks) == (
        "PASS  a: A works: fine\nFAIL  b: B works: broken\n"
        "      fix: fix b\n1 of 2 checks failed: b\n"
    )
    assert to_json(checks)[1] == {
        "id": "b",
        "title": "B works",
        "ok": False,
        "detail": "broken",
        "fix": "fix b",
    }


class _NoHost:
    """pick() reads the rules through the probe's HostState; nothing else is asked."""

    def exists(self, path: str) -> bool:
        return False


def _pick(era: str, rules: str | None):
    from tui.backend.hoststate import HostState
    from tui.backend.verify.tlsclient import pick

    uname = {"2017Q1": "NetBSD 7.1 amd64", "2020Q2": "NetBSD 9.0 amd64"}[era]
    files = {"/etc/rc.d/qmailsmtpd": "... control/tcprules/smtp ..."}
    if rules is not None:
        files["/usr/pkg/etc/qmail/control/tcprules/smtp"] = rules
    # the host holds 127.0.0.2 as an alias (ifconfig lo0 inet alias 127.0.0.2)
    state = HostState(
        uname=uname, hostname="h", uid=0, files=files, addresses=["127.0.0.1", "127.0.0.2"]
    )
    return pick(_NoHost(), state, "qmailsmtpd")  # type: ignore[arg-type]


def test_tls_client_is_a_local_address_whose_rule_gives_ucspitls():
    assert _pick("2020Q2", ':allow,UCSPITLS=""\n').source == "127.0.0.1"
    picked = _pick("2020Q2", '127.0.0.1:allow,RELAYCLIENT=""\n:allow,UCSPITLS="!"\n')
    assert (picked.source, picked.blocked) == ("127.0.0.2", False)
    assert _pick("2017Q1", None).source == ""  # the tls patch asks no rule


def test_tls_client_names_the_line_that_withholds_tls():
    upstream = _pick("2020Q2", '127.:allow,RELAYCLIENT=""\n:allow,UCSPITLS=""\n')
    assert upstream.blocked and upstream.lines == (1,)
    assert upstream.withheld == (
        "line 1 ('127.:allow,RELAYCLIENT=\"\"') for 127.0.0.1 and 127.0.0.2"
    )
    assert upstream.everyone == "line 2 (':allow,UCSPITLS=\"\"')"
    assert upstream.fix() == (
        'add ,UCSPITLS="" to line 1 of /usr/pkg/etc/qmail/control/tcprules/smtp, '
        "then /etc/rc.d/qmailsmtpd cdb"
    )
    nobody = _pick("2020Q2", ":allow\n")
    assert nobody.blocked and not nobody.everyone
    assert _pick("2020Q2", None).withheld.endswith("tcprules/smtp is missing")


def test_non_relay_client_is_the_first_own_address_that_may_not_relay():
    from tui.backend.verify.rules import non_relay_client

    default = '127.:allow,RELAYCLIENT=""\n:allow\n'
    assert non_relay_client(default, ["127.0.0.1"]) == (
        "",
        "every address of this host may relay "
        "(127.0.0.1 may relay by the rule '127.:allow,RELAYCLIENT=\"\"')",
    )
    # the host's LAN address, after lo0's, is a client no rule lets relay
    assert non_relay_client(default, ["127.0.0.1", "192.0.2.5"]) == ("192.0.2.5", "")
    one = '127.0.0.1:allow,RELAYCLIENT=""\n:allow\n'
    assert non_relay_client(one, ["127.0.0.1", "127.0.0.2"]) == ("127.0.0.2", "")
    assert non_relay_client("", ["127.0.0.1"]) == ("127.0.0.1", "")  # no rule: no relay
    # a rule that lets everyone relay is tried, to show the open relay
    assert non_relay_client(':allow,RELAYCLIENT=""\n', ["127.0.0.1"]) == ("127.0.0.1", "")
    denied = non_relay_client('127.0.0.1:deny\n127.:allow,RELAYCLIENT=""\n', ["127.0.0.1"])
    assert denied[0] == "" and "127.0.0.1 is denied by the rule '127.0.0.1:deny'" in denied[1]


def test_probe_reads_the_inet_lines_of_ifconfig_a():
    from tui.backend.probesections import inet_addresses

    shown = (
        "re0: flags=0x8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> mtu 1500\n"
        "\tinet 192.0.2.5/24 broadcast 192.0.2.255 flags 0x0\n"
        "\tinet6 fe80::1%re0/64 flags 0x0 scopeid 0x1\n"
        "lo0: flags=0x8049<UP,LOOPBACK,RUNNING,MULTICAST> mtu 33624\n"
        "\tinet 127.0.0.1/8 flags 0x0\n"
        "\tinet 127.0.0.2 netmask 0xff000000\n"
    )
    assert inet_addresses(shown.splitlines()) == ["192.0.2.5", "127.0.0.1", "127.0.0.2"]
