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
