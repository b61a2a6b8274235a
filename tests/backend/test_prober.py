"""probe.Prober and probe(host, previous): what an apply reads of the host between steps
is exactly what a full probe reads at that moment, however little it re-ran."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tui.backend import probe as probe_module
from tui.backend.apply import StepStarted, apply
from tui.backend.catalog import for_host
from tui.backend.hosts import SandboxHost
from tui.backend.hoststate import HostState
from tui.backend.plan import make_plan
from tui.backend.plan.maildirs import MAILDIR
from tui.backend.probe import Prober, probe
from tui.backend.profile import load
from tui.backend.verify import verify

PROFILES = Path(__file__).resolve().parents[2] / "profiles"


#: a Maildir left half-made, owned by root in part (maildirs chowns and mkdirs)
HALF_MADE = (
    "mkdir -p /home/admin/Maildir/cur /home/admin/Maildir/tmp && "
    "chown admin /home/admin/Maildir /home/admin/Maildir/tmp"
)
#: (profile, flavor, set-up, the steps after which the apply probes the host again):
#: maildirs and tcprules update the apply's view by their commands' known effects,
#: but 2020Q2's cdb is in control/tcprules, whose files the probe reads whole
AFTER = ["packages", "mta-switch", "services"]
CASES = {
    "default": ("default.yaml", "2017Q1", "", AFTER),
    "srs-source": ("srs-source.yaml", "2017Q1", "", ["mkconf", "packages", "control", *AFTER[1:]]),
    "2020Q2-lan-relay": (
        "default.yaml",
        "2020Q2",
        "",
        ["packages", "tcprules", *AFTER[1:]],
    ),
    "half-made-maildir": ("default.yaml", "2017Q1", HALF_MADE, AFTER),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_prober_state_equals_a_full_probe_at_every_step(make_sandbox, monkeypatch, case):
    name, flavor, setup, probed_after = CASES[case]
    box = make_sandbox(flavor)
    if setup:
        assert box.sh(setup).returncode == 0
    host = SandboxHost(box.paths.base)
    profile = load(PROFILES / name)
    if case.endswith("lan-relay"):  # the rules change: tcprules compiles them
        profile.mail.relay_from = ["127.", "192.168.1."]
    state = probe(host)
    prober = Prober(host, state)
    compared, steps, probes = [], [], []

    def counted(*args, **kwargs):
        probes.append(steps[-1] if steps else "plan")
        return probe(*args, **kwargs)

    monkeypatch.setattr(probe_module, "probe", counted)

    def same_as_full(label: str) -> None:
        assert dataclasses.asdict(prober.state) == dataclasses.asdict(probe(host)), label
        compared.append(label)

    def progress(event) -> None:
        if isinstance(event, StepStarted):
            if prober.current:
                same_as_full(event.step_id)
            steps.append(event.step_id)

    def checks(delivery: bool) -> list:
        prober()
        same_as_full("verify")
        return verify(host, prober.state, delivery=delivery)

    result = apply(
        host,
        lambda: make_plan(profile, prober(), for_host(state)),
        progress=progress,
        verify=checks,
        prober=prober,
    )
    assert result.ok, result.failure and result.failure.message
    assert "packages" in result.changed and "qmail" in prober.state.packages
    assert len(compared) == 13, compared  # every step (from the first plan on) + verify
    assert probes == ["plan", *probed_after], probes
    if setup:
        assert "maildirs" in result.changed
        assert prober.state.maildirs["admin"] == dict.fromkeys(MAILDIR, "dir")


def test_pkg_info_answer_is_kept_only_while_the_package_database_is_the_same(make_sandbox):
    host = SandboxHost(make_sandbox().paths.base)
    state = probe(host)
    assert state.packages and state.pkgdb
    # a marker no pkg_info prints: it shows whether the earlier answer was kept
    marked = dataclasses.replace(state, packages={**state.packages, "marker": "marker-1"})
    assert probe(host, marked).packages == marked.packages

    host.write("/etc/pkg_install.conf", "PKG_DBDIR=/var/db/pkg\n", mode=0o644)
    assert probe(host, marked).packages == state.packages  # another database could be set

    host.run(["rm", "/etc/pkg_install.conf"])
    pkgname = state.packages["pkgin"]
    assert host.run(["pkg_delete", "-f", pkgname]).rc == 0
    again = probe(host, marked)
    assert (
        again.packages
        == probe(host).packages
        == {base: name for base, name in state.packages.items() if base != "pkgin"}
    )
    assert again.pkgdb != state.pkgdb


RC_CONF = "# local\nsshd=YES\n\n# qmail-wizard\npostfix=NO\n"


@pytest.mark.parametrize(
    ("new", "known"),
    [
        (RC_CONF + "qmailsend=YES\nqmailsmtpd=YES\n", True),
        (RC_CONF.replace("postfix=NO", "postfix=YES  # back"), True),
        (RC_CONF + "qmailsmtpd=YES\nqmailsmtpd_tls=YES\n", False),  # a knob its script reads
        (RC_CONF + "qmailsend=YES\nsshd_flags=$qmailsend\n", False),  # named elsewhere
        (RC_CONF.replace("sshd=YES", "sshd=NO"), False),  # not a qmail service or postfix
        (RC_CONF + "qmailsend=YES; qmailsmtpd_flags=-v\n", False),
    ],
)
def test_an_rc_conf_edit_is_known_only_when_it_turns_services_on_or_off(new, known):
    """rc.d ``onestatus`` ignores the enable knob: the probe reads nothing else that such
    an edit could change (its status checks run the scripts, which read rc.conf)."""
    state = HostState(files={"/etc/rc.conf": RC_CONF})
    after = state.after({"/etc/rc.conf": new})
    assert (after is not None) == known
    if known:
        assert after is not None and after.files["/etc/rc.conf"] == new
