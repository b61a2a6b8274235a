"""Issue 14: what each mail feature brings to the plan, per era (no host: a probed state
made by hand, the built-in catalogs)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tui.backend.catalog import builtin
from tui.backend.hoststate import HostState
from tui.backend.plan import make_plan
from tui.backend.plan.policy import PlanError
from tui.backend.profile import load, load_valid
from tui.backend.steps import RunCommand, WriteFile

PROFILES = Path(__file__).resolve().parents[2] / "profiles"
CONTROL = "/usr/pkg/etc/qmail/control"
UNAME = {"2017Q1": "NetBSD 7.1 amd64", "2020Q2": "NetBSD 9.0 amd64"}


def fresh(era: str, users: str = "admin:*:1000:100::/home/admin:/bin/sh\n") -> HostState:
    return HostState(
        uname=UNAME[era],
        hostname="mail.example.org",
        uid=0,
        files={"/etc/passwd": "root:*:0:0::/root:/bin/sh\n" + users, "/etc/rc.conf": ""},
    )


def plan_for(era: str, profile=None, state=None):
    profile = profile or load(PROFILES / "mail-host.yaml")
    return make_plan(profile, state or fresh(era), builtin(era))


def commands(plan, step: str) -> list[tuple[str, ...]]:
    return [a.argv for a in plan.step(step).actions if isinstance(a, RunCommand)]


def writes(plan, step: str) -> dict[str, WriteFile]:
    return {a.path: a for a in plan.step(step).actions if isinstance(a, WriteFile)}


def text(plan) -> str:
    return "\n".join(n for s in plan.steps for n in s.notes + s.risks)


def test_2017q1_builds_tls_and_srs_and_installs_checkpassword_and_mess822():
    plan = plan_for("2017Q1")
    mk = writes(plan, "mkconf")["/etc/mk.conf"].new
    assert "PKG_OPTIONS.qmail=" in mk and "tls" in mk and "qmail-srs" in mk
    assert "SMTP AUTH comes from the tls patch" in text(plan)
    packages = plan.step("packages").actions
    cwds = [a.cwd for a in packages if isinstance(a, RunCommand)]
    assert "/usr/pkgsrc/sysutils/checkpassword" in cwds and "/usr/pkgsrc/mail/mess822" in cwds
    assert ("chmod", "4555", "/usr/pkg/bin/checkpassword") in commands(plan, "control")
    rc = writes(plan, "rcconf")["/etc/rc.conf"].new
    assert 'qmailsmtpd_postsmtpd="/usr/pkg/bin/checkpassword /usr/bin/true"' in rc
    assert "qmailofmipd=YES" in rc and "qmailpop3d=YES" in rc
    assert "/usr/pkg/etc/qmail/tcp.ofmip" in writes(plan, "tcprules")


@pytest.mark.parametrize("era", ["2017Q1", "2020Q2"])
def test_files_each_feature_brings(era):
    plan = plan_for(era)
    control = writes(plan, "control")
    assert control[f"{CONTROL}/smtproutes"].new == (
        ":smarthost.example.net:587\nremote.example:127.0.0.1:2526\n"
    )
    assert control[f"{CONTROL}/databytes"].new == "10485760\n"
    assert control[f"{CONTROL}/srs_domain"].new == "srs.example.org\n"
    assert "srs.example.org\n" in control[f"{CONTROL}/rcpthosts"].new
    assert control[f"{CONTROL}/virtualdomains"].new == "srs.example.org:srs\n"
    aliases = writes(plan, "aliases")
    assert (
        aliases["/usr/pkg/etc/qmail/alias/.qmail-srs-default"].new == "| /usr/pkg/bin/srsfilter\n"
    )
    assert aliases["/usr/pkg/etc/qmail/alias/.qmail-fwd"].new == "&someone@remote.example\n&admin\n"
    # secrets and keys are made on the host, never carried by the plan
    assert f"{CONTROL}/srs_secrets" not in control and f"{CONTROL}/servercert.pem" not in control
    argvs = commands(plan, "control")
    assert ("chown", "qmails:nofiles", f"{CONTROL}/srs_secrets") in argvs
    assert ("chmod", "0640", f"{CONTROL}/srs_secrets") in argvs
    assert ("chown", "qmaild:qmail", f"{CONTROL}/servercert.pem") in argvs
    openssl = next(a for a in plan.step("control").actions if "req" in getattr(a, "argv", ()))
    assert "/CN=mail.example.org" in openssl.argv and openssl.argv[2].startswith("umask 077")
    assert openssl.input and "distinguished_name" in openssl.input
    dh = ("openssl", "dhparam", "-dsaparam", "-out", f"{CONTROL}/dh2048.pem", "2048")
    assert (dh in argvs) == (era == "2020Q2")


def test_2020q2_needs_no_build_and_uses_the_tls_knobs_and_submission():
    plan = plan_for("2020Q2")
    assert not plan.step("mkconf").actions  # tls and qmail-srs are defaults
    rc = writes(plan, "rcconf")["/etc/rc.conf"].new
    for knob in ("qmailsmtpd_tls=YES", "qmailofmipd_tls=YES", "qmailpop3d_tls=YES"):
        assert knob in rc
    assert "postsmtpd" not in rc
    profile = load(PROFILES / "mail-host.yaml")
    profile.services.qmailofmipd = False
    plan = plan_for("2020Q2", profile)
    assert "qmailofmipd=YES" in writes(plan, "rcconf")["/etc/rc.conf"].new
    assert "authenticated submission is qmailofmipd on port 587" in text(plan)


def test_existing_secrets_are_kept_and_only_a_wrong_mode_is_fixed():
    state = fresh("2017Q1")
    state.modes = {
        f"{CONTROL}/srs_secrets": ("-rw-r--r--", "root", "wheel"),
        f"{CONTROL}/servercert.pem": ("-rw-r-----", "qmaild", "qmail"),
    }
    argvs = commands(plan_for("2017Q1", state=state), "control")
    assert not any("openssl" in a or a[0] == "sh" for a in argvs)
    assert ("chmod", "0640", f"{CONTROL}/srs_secrets") in argvs
    assert not any(f"{CONTROL}/servercert.pem" in a for a in argvs)


def test_minimal_profile_derives_everything_and_the_aliases_go_to_the_admin():
    profile = load_valid("version: 1\nmail: {me: mail.example.org}\n", builtin("2017Q1"))
    plan = plan_for("2017Q1", profile)
    aliases = writes(plan, "aliases")
    assert aliases["/usr/pkg/etc/qmail/alias/.qmail-root"].new == "&admin\n"
    assert "go to admin, the host's first ordinary user" in text(plan)
    assert writes(plan, "control")[f"{CONTROL}/defaultdomain"].new == "example.org\n"
    with pytest.raises(PlanError, match=r"no\s+ordinary user"):
        plan_for("2017Q1", profile, fresh("2017Q1", users=""))


def test_a_given_certificate_path_is_copied():
    profile = load(PROFILES / "mail-host.yaml")
    profile = dataclasses.replace(
        profile, tls=dataclasses.replace(profile.tls, certificate="/etc/ssl/mail.pem")
    )
    argvs = commands(plan_for("2017Q1", profile), "control")
    assert ("cp", "/etc/ssl/mail.pem", f"{CONTROL}/servercert.pem") in argvs


@pytest.mark.parametrize("era", ["2017Q1", "2020Q2"])
def test_sslserver_tls_gives_the_everyone_rule_ucspitls(era):
    """2020Q2: fixsmtpio offers STARTTLS only where tcprules sets UCSPITLS; 2017Q1's
    qmail-smtpd offers it itself, so its tcp.smtp is left alone."""
    state = fresh(era)
    source = state.rules_paths()[0]
    state.files[source] = '127.:allow,RELAYCLIENT=""\n:allow\n'
    plan = plan_for(era, state=state)
    new = writes(plan, "tcprules")[source].new
    if era == "2020Q2":
        assert new == ':allow,UCSPITLS=""\n'  # mail-host.yaml: relay_from []
        assert 'The rule for every client gets UCSPITLS=""' in text(plan)
    else:
        assert new == ":allow\n"
        assert "UCSPITLS" not in text(plan)
