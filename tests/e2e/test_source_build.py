"""Issue 3: the source-build profiles end with the profiled options and account names,
and the admin's /etc/mk.conf lines are untouched (2017Q1: both profiles are valid there;
2020Q2: the renamed accounts, srs-source's -qmail-realrcptto does not exist there)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.cli import ROOT, wizard
from tui.backend import procmatch
from tui.backend.catalog import for_host
from tui.backend.hosts.sandbox import SandboxHost
from tui.backend.probe import probe
from tui.backend.profile import load
from tui.backend.profile.model import ACCOUNT_DEFAULTS, ACCOUNT_VARS, GROUP_KEYS

#: an admin's mk.conf: comments, a tab-aligned setting, an .ifdef BSD_PKG_MK block
MK_CONF = """\
#	$NetBSD: mk.conf,v 1.3 2016/03/01 10:00:00 admin Exp $
#
# Local pkgsrc settings for mail.example.org -- keep in sync with the build host.

CFLAGS+=		-O2 -pipe
ACCEPT_LICENSES+=	vim-license

.ifdef BSD_PKG_MK	# only inside pkgsrc
PKG_DEVELOPER=		yes
PKG_DEFAULT_OPTIONS+=	inet6 tls -x11	# every package, qmail included
ALLOW_VULNERABLE_PACKAGES=	yes
.endif	# BSD_PKG_MK

WRKOBJDIR=		/usr/tmp/work	# keep work dirs off /usr/pkgsrc
QMAIL_ALIAS_USER=	alias	# the classic name, as the profiles keep it
"""


def _query(box, var: str, package: str = "qmail") -> str:
    done = box.exec(["pkg_info", "-Q", var, package])
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _passwd(box) -> dict[str, list[str]]:
    return {f[0]: f for f in (line.split(":") for line in box.read("/etc/passwd").splitlines())}


def _group(box) -> dict[str, list[str]]:
    return {f[0]: f for f in (line.split(":") for line in box.read("/etc/group").splitlines())}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "flavor"),
    [
        ("srs-source.yaml", "2017Q1"),
        ("custom-accounts.yaml", "2017Q1"),
        ("custom-accounts.yaml", "2020Q2"),
    ],
)
def test_source_build_ends_as_profiled(make_sandbox, name, flavor):
    path = str(ROOT / "profiles" / name)
    profile = load(Path(path))
    words = list(profile.build.options)
    accounts = profile.build.accounts
    box = make_sandbox(flavor)
    box.path("/etc/mk.conf").write_text(MK_CONF)
    catalog = for_host(probe(SandboxHost(box.paths.base)))
    effective = set(catalog.effective(words))

    plan = wizard(box, "plan", path)
    assert plan.returncode == 2, plan.stderr
    assert "Install method: source" in plan.stdout
    note = next(line for line in plan.stdout.splitlines() if "note: Source build because" in line)
    assert "binary packages carry only the default options and account names" in note
    if words:
        assert f"options {' '.join(words)} -> {' '.join(sorted(effective))}" in note
    for key, default in ACCOUNT_DEFAULTS.items():
        value = getattr(accounts, key)
        assert (f"{key}={value}" in note) == (value != default), (key, note)
    if flavor == "2017Q1":  # PKG_DEFAULT_OPTIONS would add tls (and sasl): undone, said so
        assert (
            "note: PKG_OPTIONS.qmail adds -sasl -tls to undo what PKG_DEFAULT_OPTIONS"
            in plan.stdout
        )
    else:  # 2020Q2: tls is a default already, sasl does not exist, inet6 is optional
        assert "note: PKG_OPTIONS.qmail adds -inet6 to undo what PKG_DEFAULT_OPTIONS" in plan.stdout

    applied = wizard(box, "apply", path, "--yes", "-v")  # -v: the commands
    assert applied.returncode == 0, applied.stderr[-3000:] + applied.stdout
    assert "make install" in applied.stderr

    built = set(_query(box, "PKG_OPTIONS").split())
    assert built == effective
    if name == "srs-source.yaml":  # the catalog agrees with the facts (2017Q1 defaults)
        assert built == {"djbware-errno-hack", "qmail-bigdns", "qmail-netqmail", "qmail-srs"}
    for key, var in ACCOUNT_VARS.items():
        assert _query(box, var) == getattr(accounts, key), var
        assert _query(box, var, "qmail-run") == getattr(accounts, key), var  # same names

    users, groups = _passwd(box), _group(box)
    for key in ACCOUNT_VARS:
        wanted = getattr(accounts, key)
        assert wanted in (groups if key in GROUP_KEYS else users), (key, wanted)
    if name == "custom-accounts.yaml":
        for key, default in ACCOUNT_DEFAULTS.items():
            if getattr(accounts, key) != default:
                assert default not in users and default not in groups, default
        nofiles_gid = groups[accounts.nofiles_group][2]
        assert users[accounts.daemon][3] == nofiles_gid

    host = SandboxHost(box.paths.base)
    smtpd = procmatch.service_processes(host.processes(), "qmailsmtpd")  # argv[0], as rc.subr
    # tcpserver runs as the daemon account; sslserver's listener stays root (it loads
    # the certificate) and runs each connection's qmail-smtpd as -u/-g (docs/FIDELITY.md §13)
    assert smtpd and {p.user for p in smtpd if p.name != "sslserver"} <= {accounts.daemon}
    assert all(p.user == "root" for p in smtpd if p.name == "sslserver")
    send = procmatch.service_processes(host.processes(), "qmailsend")
    assert send and {p.user for p in send} == {accounts.send}

    mk_conf = box.read("/etc/mk.conf")
    before = MK_CONF.splitlines(keepends=True)
    after = mk_conf.splitlines(keepends=True)
    assert [
        line for line in after if line in before
    ] == before  # every old line, same bytes, in order
    added = [line for line in after if line not in before]
    assert all(line.startswith(("PKG_OPTIONS.qmail=", "QMAIL_")) for line in added), added
    assert sorted(line.split("=", 1)[0] for line in added if line.startswith("QMAIL_")) == sorted(
        var for key, var in ACCOUNT_VARS.items() if getattr(accounts, key) != ACCOUNT_DEFAULTS[key]
    )

    again = wizard(box, "plan", path)
    assert again.returncode == 0, again.stdout

    probed = wizard(box, "probe")  # reads the built names and options back
    assert probed.returncode == 0, probed.stderr
    found = load(probed.stdout, "probe")
    assert found.build == profile.build and found.mail == profile.mail
    assert found.services == profile.services and found.install.method == "auto"
    probed_path = box.paths.base.parent / f"probed-{name}"
    probed_path.write_text(probed.stdout)
    assert wizard(box, "plan", str(probed_path)).returncode == 0
