"""Issue 7 (DESIGN §8): values from users never reach a shell unquoted, nor a path outside
where they belong.

Every string field, given each value of hostile.INJECTIONS, is refused by validation
with a problem naming the field; `validate`, `plan` and `apply` refuse such a profile
without touching the host.  The odd values validation does accept ('+', '-', '.',
'_', '..', a leading '-' in an address) are applied to a sandbox: the plan runs no
shell with them, every file lands where it belongs, and canary files and directories
stay as they were.
"""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path

import pytest
import yaml

from tests.e2e.cli import ROOT, wizard
from tests.polling import wait_for
from tests.reliability.hostile import CANARY, FIELDS, INJECTIONS, set_field
from tui.backend.catalog import builtin
from tui.backend.profile import defaults_for, dump, model, validate

SYSCONF = "/usr/pkg/etc/qmail"
BASE = defaults_for("mail.example.org", "admin")
#: accepted by validation, odd to a shell or a path: each must land only where it belongs
ODD_ALIASES = {
    "x+y..z": "-rf@example.org",
    "a_b.c-": "admin+tag@mail.example.org",
    "john.smith": "admin",
}
ODD_VIRTUAL = {"lists.example.net": "v.-+_x"}
ODD_RELAY = ["127.", "10.0.0.1-50", "192.168."]


def test_every_field_refuses_every_injection_by_name():
    count = 0
    for where in FIELDS:
        for value in INJECTIONS:
            if where == "certificate" and re.fullmatch(r"/[A-Za-z0-9_.,+@/-]*", value):
                count += 2  # an absolute path on the host is what tls.certificate takes
                continue
            profile = copy.deepcopy(BASE)
            key = set_field(profile, where, value)
            for catalog in (builtin("2017Q1"), builtin("2020Q2")):
                problems = validate(profile, catalog, {"admin"}, "p.yaml")
                assert any(p.key.startswith(key) for p in problems), (where, value)
                count += 1
    assert count == len(FIELDS) * len(INJECTIONS) * 2


def hostile_profile() -> dict:
    """A profile with a different injection in every string field."""
    data = yaml.safe_load(dump(BASE))
    shells = iter(
        [
            f"$(touch {CANARY})",
            f"`touch {CANARY}`",
            f"x;touch {CANARY}",
            f"x\ntouch {CANARY}",
            f"x && touch {CANARY}",
            f"x|touch {CANARY}",
        ]
        * 9
    )
    for key in model.ACCOUNT_DEFAULTS:
        data["build"]["accounts"][key] = next(shells)
    mail = data["mail"]
    for key in ("me", "defaultdomain", "plusdomain"):
        mail[key] = "mail.example.org" + next(shells)
    mail["locals"].append(next(shells))
    mail["rcpthosts"].append("../../../../tmp/canary")
    mail["virtualdomains"] = {f"v.example.net;touch {CANARY}": "../../tmp/canary"}
    mail["aliases"] = {
        "root": f"admin;touch {CANARY}",
        "postmaster": "../../../tmp/canary",
        "mailer-daemon": "admin\n|touch /tmp/canary",
        "../../../tmp/canary": "admin",
    }
    mail["relay_from"] = ["127.", f"10.$(touch {CANARY})."]
    mail["defaultdelivery"] = f"./Maildir/;touch {CANARY}"
    data["build"]["options"] = [f"tls;touch {CANARY}"]
    data["install"]["method"] = f"binary`touch {CANARY}`"
    return data


EXPECTED_KEYS = [f"build.accounts.{k}" for k in model.ACCOUNT_DEFAULTS] + [
    "mail.me",
    "mail.defaultdomain",
    "mail.plusdomain",
    "mail.locals[3]",
    "mail.rcpthosts[2]",
    "mail.relay_from[1]",
    "mail.defaultdelivery",
    "mail.aliases.root",
    "mail.aliases.postmaster",
    "mail.aliases.mailer-daemon",
    "mail.aliases.../../../tmp/canary",
    "build.options[0]",
    "install.method",
]


def test_validate_plan_apply_refuse_without_touching_the_host(make_sandbox, tmp_path):
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(hostile_profile(), allow_unicode=True))
    box = make_sandbox("2017Q1")
    for args in (["validate", str(path)], ["plan", str(path)], ["apply", str(path), "--yes"]):
        done = wizard(box, *args)
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        for key in EXPECTED_KEYS:
            assert f": {key}: " in done.stderr, (args[0], key, done.stderr)
        assert "mail.virtualdomains." in done.stderr
    assert not box.path(CANARY).exists() and not Path(CANARY).exists()
    assert not box.path("/var/db/qmail-wizard").exists()  # apply never began


def odd_profile(tmp_path) -> str:
    data = yaml.safe_load((ROOT / "profiles" / "default.yaml").read_text())
    data["mail"]["aliases"].update(ODD_ALIASES)
    data["mail"]["virtualdomains"] = dict(ODD_VIRTUAL)
    data["mail"]["rcpthosts"] += list(ODD_VIRTUAL)
    data["mail"]["relay_from"] = list(ODD_RELAY)
    path = tmp_path / "odd.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every file and symlink under ``root`` (no /proc, /dev) -> content or link target."""
    found: dict[str, bytes | str] = {}
    for dirpath, dirs, files in os.walk(root):
        rel = "/" + os.path.relpath(dirpath, root).lstrip(".")
        if rel in ("/proc", "/dev", "/sys"):
            dirs[:] = []
            continue
        for name in files + [d for d in dirs if os.path.islink(os.path.join(dirpath, d))]:
            full = os.path.join(dirpath, name)
            key = os.path.normpath(f"{rel}/{name}")
            found[key] = (
                os.readlink(full)
                if os.path.islink(full)
                else (Path(full).read_bytes() if os.path.isfile(full) else b"")
            )
    return found


#: where an install of qmail may write (packages, accounts, the files the plan names)
BELONGS = (
    "/usr/pkg/",
    "/var/",
    "/etc/rc.d/",
    "/etc/skel/",
    "/home/admin/Maildir/",
    "/etc/rc.conf",
    "/etc/mailer.conf",
    "/etc/passwd",
    "/etc/master.passwd",
    "/etc/group",
    "/etc/pwd.db",
    "/etc/spwd.db",
    "/root/.",
)


@pytest.fixture(scope="module")
def odd_host(tmp_path_factory):
    from tui.sandbox.handle import Sandbox

    tmp = tmp_path_factory.mktemp("odd")
    box = Sandbox.create(tmp / "sb", pace=0.02)
    outside = tmp / "canary-dir"
    outside.mkdir()
    (outside / "keep").write_text("canary\n")
    for inside in ("/tmp/canary-dir", "/etc/canary-dir", "/usr/pkg/etc/canary-dir"):
        box.path(inside).mkdir(parents=True, exist_ok=True)
        box.path(f"{inside}/keep").write_text("canary\n")
    try:
        profile = odd_profile(tmp)
        plan = wizard(box, "plan", profile, "--format", "json")
        before = snapshot(box.paths.root)
        applied = wizard(box, "apply", profile, "--yes")
        yield box, profile, plan, before, applied, outside
    finally:
        box.kill()


def test_plan_runs_no_shell_with_user_values(odd_host):
    _box, _profile, plan, *_ = odd_host
    assert plan.returncode == 2, plan.stderr
    values = (
        set(ODD_ALIASES)
        | set(ODD_ALIASES.values())
        | set(ODD_VIRTUAL)
        | set(ODD_VIRTUAL.values())
        | {r for r in ODD_RELAY if r != "127."}
    )
    runs = [
        a
        for step in json.loads(plan.stdout)["steps"]
        for a in step["actions"]
        if a["type"] == "run"
    ]
    assert runs
    for action in runs:
        argv = action["argv"]
        if os.path.basename(argv[0]) in ("sh", "bash", "ksh", "csh") and "-c" in argv:
            script = argv[argv.index("-c") + 1]
            assert not any(v in script for v in values), argv
        assert not any(a.startswith("-") and a in values for a in argv), argv
        assert not any(v in "".join(action["env"].values()) for v in values), action


def test_odd_values_land_only_where_they_belong(odd_host):
    box, _profile, _plan, before, applied, outside = odd_host
    assert applied.returncode == 0, applied.stderr[-3000:]
    after = snapshot(box.paths.root)
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    stray = sorted(p for p in changed if not p.startswith(BELONGS))
    assert not stray, stray
    for top in ("/tmp/canary-dir", "/etc/canary-dir", "/usr/pkg/etc/canary-dir"):
        assert os.listdir(box.path(top)) == ["keep"] and box.read(f"{top}/keep") == "canary\n"
    assert os.listdir(outside) == ["keep"]
    assert not box.path(CANARY).exists() and not Path(CANARY).exists()
    assert box.read(f"{SYSCONF}/control/virtualdomains") == "lists.example.net:v.-+_x\n"
    assert box.read(f"{SYSCONF}/tcp.smtp").count("RELAYCLIENT") >= len(ODD_RELAY)
    for name, target in ODD_ALIASES.items():  # one file, dots as qmail-local reads them,
        # forwarding to the target as given
        path = f"{SYSCONF}/alias/.qmail-{name.replace('.', ':')}"
        assert after.get(path) == f"&{target}\n".encode(), name
        assert f"{SYSCONF}/alias/.qmail-{name}" not in after or "." not in name, name


def test_an_alias_with_a_dot_delivers(odd_host):
    box, *_ = odd_host
    assert box.path(f"{SYSCONF}/alias/.qmail-john:smith").exists()
    client = box.smtp(25)
    try:
        client.sendmail(
            "someone@example.net",
            ["john.smith@mail.example.org"],
            "Subject: dotted alias\r\n\r\nTo john.smith.\r\n",
        )
    finally:
        client.quit()
    maildir = box.path("/home/admin/Maildir/new")
    assert wait_for(lambda: [p for p in maildir.iterdir() if "To john.smith." in p.read_text()])
