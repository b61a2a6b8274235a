"""Issue 6, guided reconfiguration: a change plans only what it needs, with the right
follow-up (nothing, a HUP, a cdb rebuild, a source rebuild), and services restart only
when their inputs changed.  2017Q1 sandboxes installed by `apply profiles/default.yaml`.

The profile does not manage control/morercpthosts or users/assign, so the
qmail-newmrh / qmail-newu follow-ups have no profile change to plan and are not tested.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.cli import ROOT, installed_sandbox, wizard
from tui.backend import procmatch
from tui.backend.hosts import SandboxHost

DEFAULT = ROOT / "profiles" / "default.yaml"
CONTROL = "/usr/pkg/etc/qmail/control"
ALIAS = "/usr/pkg/etc/qmail/alias"
WIZARD_DB = "/var/db/qmail-wizard/"  # the wizard's own records (services.json, ...)
LOCALS = "locals: [mail.example.org, example.org, localhost]"
RCPTHOSTS = "rcpthosts: [mail.example.org, example.org]"


def wait_for(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def profile(tmp_path, name: str, *edits: tuple[str, str]) -> str:
    """profiles/default.yaml with text replaced."""
    text = DEFAULT.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return str(path)


def plan_of(box, path: str) -> dict:
    done = wizard(box, "plan", path, "--format", "json")
    assert done.returncode == 2, done.stderr + done.stdout
    return json.loads(done.stdout)


def changes(plan: dict) -> dict[str, list[dict]]:
    """step id -> its actions, for the steps that change the host (the wizard's own
    bookkeeping under /var/db/qmail-wizard/ left out)."""
    found = {}
    for step in plan["steps"]:
        actions = [
            a
            for a in step["actions"]
            if not (a["type"] == "write" and a["path"].startswith(WIZARD_DB))
        ]
        if actions:
            found[step["id"]] = actions
    return found


def pids(box) -> dict[str, set[int]]:
    """service (argv0 of its tcpserver, or qmail-send) -> pids: ps's first word, as
    rc.subr finds them (the kernel names every listener tcpserver)."""
    found: dict[str, set[int]] = {}
    for proc in SandboxHost(box.paths.base).processes():
        found.setdefault(procmatch.program(proc), set()).add(proc.pid)
    return found


def users_of(box, name: str) -> set[str]:
    return {p.user for p in procmatch.find(SandboxHost(box.paths.base).processes(), name)}


def delivered(box, text: str, timeout: float = 10.0):
    maildir = box.path("/home/admin/Maildir/new")
    return wait_for(lambda: [p for p in maildir.iterdir() if text in p.read_text()], timeout)


def smtp_send(box, to: str, text: str) -> None:
    client = box.smtp(25)
    client.sendmail("someone@example.net", [to], f"Subject: {text}\r\n\r\n{text}\r\n")
    client.quit()


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    with installed_sandbox(tmp_path_factory.mktemp("reconf") / "sb") as box:
        yield box


# -- 1. control file changes: exactly the file, and the right follow-up ---------------
EDITS = {
    "rcpthosts": [(RCPTHOSTS, "rcpthosts: [mail.example.org, example.org, example.net]")],
    "locals": [(LOCALS, "locals: [mail.example.org, example.org, localhost, example.net]")],
    "virtualdomains": [
        ("virtualdomains: {}", "virtualdomains: {example.com: admin}"),
        (RCPTHOSTS[:-1], RCPTHOSTS[:-1] + ", example.com"),
    ],
    "relay_from": [("relay_from: ['127.']", "relay_from: ['127.', '10.1.']")],
}


def _check_minimal(plan: dict, what: str) -> None:
    steps = changes(plan)
    writes = {s: [a["path"] for a in acts if a["type"] == "write"] for s, acts in steps.items()}
    commands = {s: [a["argv"] for a in acts if a["type"] == "run"] for s, acts in steps.items()}
    if what == "relay_from":
        assert set(steps) == {"tcprules"}, steps
        assert writes["tcprules"] == ["/usr/pkg/etc/qmail/tcp.smtp"]
        assert commands["tcprules"] == [
            ["tcprules", "/usr/pkg/etc/qmail/tcp.smtp.cdb", "/usr/pkg/etc/qmail/tcp.smtp.cdb.tmp"]
        ]
        return
    files = ["rcpthosts", what] if what == "virtualdomains" else [what]  # also rcpthosts
    assert writes.get("control") == [f"{CONTROL}/{name}" for name in files], steps
    assert not commands.get("control")
    if what == "rcpthosts":  # qmail-smtpd reads rcpthosts per connection
        assert set(steps) == {"control"}, steps
    else:  # qmail-send re-reads locals and virtualdomains on SIGHUP
        assert set(steps) == {"control", "services"}, steps
        assert commands["services"] == [["/etc/rc.d/qmailsend", "reload"]]
        services = next(s for s in plan["steps"] if s["id"] == "services")
        assert services["risks"] == [f"reloads qmailsend ({what})"]
    assert plan["method"] == "binary"


@pytest.mark.parametrize("what", sorted(EDITS))
def test_a_control_change_plans_only_that_file_and_its_follow_up(installed, tmp_path, what):
    _check_minimal(plan_of(installed, profile(tmp_path, what, *EDITS[what])), what)


def test_the_minimal_changes_apply_with_their_effect(installed, tmp_path):
    box = installed
    before = pids(box)
    edits: list = []
    for what in ("rcpthosts", "locals", "virtualdomains", "relay_from"):
        edits += EDITS[what]
        path = profile(tmp_path, f"all-{what}", *edits)
        applied = wizard(box, "apply", path, "--yes")
        assert applied.returncode == 0, applied.stderr[-3000:] + applied.stdout
        now = pids(box)  # no restart: qmail-send (HUP) and the listeners keep their pids
        for name in ("qmail-send", "qmailsmtpd", "qmailqread"):
            assert now[name] == before[name], (what, name)
        if what == "rcpthosts":  # the new domain is accepted at once
            smtp_send(box, "postmaster@example.net", "to example.net")
        if what == "locals":  # qmail-send took the HUP: example.net is local now
            sent = box.exec(
                ["/usr/pkg/bin/qmail-inject", "postmaster@example.net"],
                input="Subject: local now\n\nexample.net is local\n",
            )
            assert sent.returncode == 0, sent.stderr
            assert delivered(box, "example.net is local")
    assert wizard(box, "plan", path).returncode == 0
    assert "example.com:admin" in box.read(f"{CONTROL}/virtualdomains")
    rule = box.exec(["tcprulescheck", "/usr/pkg/etc/qmail/tcp.smtp.cdb", "10.1.2.3"])
    assert "RELAYCLIENT" in rule.stdout, rule.stdout + rule.stderr


# -- 2. an option change: a source rebuild that replaces qmail and keeps the queue ----
def _snapshot(box) -> dict[str, str]:
    """The control files and aliases (what make replace must keep)."""
    files = {}
    for directory in (CONTROL, ALIAS):
        for path in sorted(box.path(directory).iterdir()):
            if path.is_file():
                files[f"{directory}/{path.name}"] = path.read_text()
    return files


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    """A second installed box for the source rebuilds: SRS, then (with SRS kept) the
    daemon rename; the rename test holds on its own too (SRS is then also new)."""
    with installed_sandbox(tmp_path_factory.mktemp("rebuild") / "sb") as box:
        yield box


SRS = [("method: binary", "method: auto"), ("options: []", "options: [qmail-srs]")]


@pytest.mark.slow
def test_enabling_srs_rebuilds_and_keeps_queue_control_and_aliases(rebuilt, tmp_path):
    box = rebuilt
    kept = _snapshot(box)
    stopped = box.exec(["/etc/rc.d/qmailsend", "stop"])
    assert stopped.returncode == 0, stopped.stderr
    queued = box.exec(
        ["/usr/pkg/bin/qmail-inject", "postmaster@example.org"],
        input="Subject: before the rebuild\n\nqueued before the rebuild\n",
    )
    assert queued.returncode == 0, queued.stderr
    path = profile(tmp_path, "srs", *SRS)

    plan = plan_of(box, path)
    assert plan["method"] == "source"
    steps = {s["id"]: s for s in plan["steps"]}
    assert any(
        "Source build because options qmail-srs -> " in n and "qmail-srs" in n.split("->")[1]
        for n in steps["mkconf"]["notes"]
    ), steps["mkconf"]
    commands = [(a["cwd"], a["argv"]) for a in steps["packages"]["actions"] if a["type"] == "run"]
    assert commands == [
        (f"/usr/pkgsrc/mail/{p}", ["make", t])
        for p in ("qmail", "qmail-run")
        for t in ("clean", "replace")
    ]
    assert "replaces the installed qmail" in steps["packages"]["risks"]
    assert set(changes(plan)) == {"mkconf", "packages", "services"}
    assert "starts qmailsend" in steps["services"]["risks"]

    started = time.monotonic()
    applied = wizard(box, "apply", path, "--yes", "-v")  # -v: the commands
    took = time.monotonic() - started
    assert applied.returncode == 0, applied.stderr[-3000:] + applied.stdout
    assert "make replace" in applied.stderr and took < 60, took
    options = box.exec(["pkg_info", "-Q", "PKG_OPTIONS", "qmail"]).stdout.split()
    assert "qmail-srs" in options
    assert box.exec(["pkg_info", "-e", "qmail-run"]).returncode == 0
    assert _snapshot(box) == kept  # control files and aliases as they were
    assert delivered(box, "queued before the rebuild")
    smtp_send(box, "postmaster@example.org", "after the rebuild")
    assert delivered(box, "after the rebuild")
    assert wizard(box, "plan", path).returncode == 0


# -- 3./4. renaming the daemon account: rebuild, restart only what it affects --------
@pytest.mark.slow
def test_renaming_the_daemon_account_rebuilds_and_restarts_only_what_it_affects(rebuilt, tmp_path):
    box = rebuilt
    before = pids(box)
    path = profile(tmp_path, "rename", *SRS, ("daemon: qmaild", "daemon: mydaemon"))
    plan = plan_of(box, path)
    steps = {s["id"]: s for s in plan["steps"]}
    assert any("accounts daemon=mydaemon" in n for n in steps["mkconf"]["notes"])
    assert [a["argv"] for a in steps["packages"]["actions"] if a["type"] == "run"][1] == [
        "make",
        "replace",
    ]
    assert not steps["users"]["actions"]  # the new qmail package creates mydaemon
    left = [n for n in steps["users"]["notes"] if "qmaild" in n]
    assert left and "left behind" in left[0] and "userdel qmaild" in left[0], left
    risks = steps["services"]["risks"]
    assert "restarts qmailsmtpd (build)" in risks and "restarts qmailsend (build)" in risks
    assert not any("qmailqread" in r for r in risks), risks

    applied = wizard(box, "apply", path, "--yes")
    assert applied.returncode == 0, applied.stderr[-3000:] + applied.stdout
    assert "note: The user qmaild is left behind" in applied.stderr  # said at the end too
    assert users_of(box, "qmailsmtpd") == {"mydaemon"}
    now = pids(box)
    assert now["qmailqread"] == before["qmailqread"]  # its inputs did not change
    assert not now["qmailsmtpd"] & before["qmailsmtpd"]
    assert not now["qmail-send"] & before["qmail-send"]  # qmail was rebuilt
    passwd = {line.split(":")[0] for line in box.read("/etc/passwd").splitlines()}
    assert {"mydaemon", "qmaild"} <= passwd  # the old account is left, not deleted
    smtp_send(box, "postmaster@example.org", "to the renamed daemon")
    assert delivered(box, "to the renamed daemon")

    again = wizard(box, "plan", path)
    assert again.returncode == 0, again.stdout
    assert "The user qmaild is left behind" in again.stdout
    assert "userdel qmaild" in again.stdout
