"""Bytes the wizard does not own survive its edits byte for byte, UTF-8 or not."""

from __future__ import annotations

from tui.backend import written
from tui.backend.apply import apply
from tui.backend.files import rcconf
from tui.backend.hosts import SandboxHost
from tui.backend.probe import probe
from tui.backend.steps import STEP_IDS, Plan, Step, WriteFile

#: a Latin-1 comment (not UTF-8: e9 alone) and a UTF-8 one with U+2028 in it
FOREIGN = b"# r\xe9seau de l'\xe9cole: ne pas toucher\n# s\xc3\xa9parateur \xe2\x80\xa8 ici\n"


def test_latin1_comment_in_rc_conf_survives_an_apply(make_sandbox):
    host = SandboxHost(make_sandbox().paths.base)
    before = host.read("/etc/rc.conf")
    host.write("/etc/rc.conf", before + FOREIGN)

    def replan() -> Plan:  # what plan's rc.conf step does: edit the probed text
        text = probe(host).text("/etc/rc.conf")
        new = rcconf.set_vars(text, {"qmailsend": "YES"})
        actions = [WriteFile("/etc/rc.conf", text, new)] if new != text else []
        return Plan(
            [
                Step(step_id, step_id, actions if step_id == "services" else [])
                for step_id in STEP_IDS
            ]
        )

    result = apply(host, replan)
    assert result.ok, result
    after = host.read("/etc/rc.conf")
    assert after.startswith(before + FOREIGN)  # every byte kept, in place
    added = after[len(before + FOREIGN) :].decode("ascii").splitlines()
    assert "qmailsend=YES" in added and all(
        line in ("", "qmailsend=YES") or line.startswith("#") for line in added
    ), added
    record = written.parse(host.read_text(written.WRITTEN))["/etc/rc.conf"]
    assert record["sha256"] == written.sha256(host.read_text("/etc/rc.conf"))
    assert not written.changed_by_hand(record, host.read_text("/etc/rc.conf"))
