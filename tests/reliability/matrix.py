"""Shared by the crash and fault matrices (issue 7): the three install paths, the state
of a host that apply defines, SIGKILLing a running apply, the journal, backups, lock.

Everything goes through the CLI as an admin runs it (``python -m tui.cli --target
sandbox:BASE``), on 2017Q1 sandboxes at pace 0.02.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from pathlib import Path

import psutil

from tests.e2e.cli import ROOT, start, wizard
from tests.polling import wait_for
from tui.backend.hosts import SandboxHost
from tui.backend.lock import HOLDER
from tui.backend.steps import STEP_IDS

SYSCONF = "/usr/pkg/etc/qmail"
STATE = "/var/db/qmail-wizard"
BACKUPS = "/var/backups/qmail-wizard"
SERVICES = ("qmailsend", "qmailsmtpd", "qmailqread", "qmailpop3d", "qmailofmipd", "postfix")
#: the long commands apply runs
ORPHANS = ("pkg_add", "pkgin", "make", "bmake")
N = len(STEP_IDS)


def profiles(directory: Path) -> dict[str, str]:
    """Install path -> profile file: binary (default.yaml), pkgin (default.yaml with
    ``method: pkgin``), source (srs-source.yaml)."""
    pkgin = directory / "pkgin.yaml"
    text = (ROOT / "profiles" / "default.yaml").read_text()
    pkgin.write_text(text.replace("method: binary", "method: pkgin"))
    return {
        "binary": str(ROOT / "profiles" / "default.yaml"),
        "pkgin": str(pkgin),
        "source": str(ROOT / "profiles" / "srs-source.yaml"),
    }


# -- the state apply defines -----------------------------------------------------------
def managed_paths(box) -> list[str]:
    """The files the wizard manages: control files, aliases, rc.conf, mailer.conf,
    tcp.smtp and its cdb, mk.conf, the qmail rc.d scripts."""
    paths = [
        "/etc/rc.conf",
        "/etc/mailer.conf",
        "/etc/mk.conf",
        f"{SYSCONF}/tcp.smtp",
        f"{SYSCONF}/tcp.smtp.cdb",
    ]
    for directory, prefix in (
        (f"{SYSCONF}/control", ""),
        (f"{SYSCONF}/alias", ".qmail-"),
        ("/etc/rc.d", "qmail"),
    ):
        if box.path(directory).is_dir():
            paths += [
                f"{directory}/{p.name}"
                for p in box.path(directory).iterdir()
                if p.name.startswith(prefix) and p.is_file()
            ]
    return sorted(paths)


#: files whose content is random by design (each run makes its own); compared by shape
RANDOM_BY_DESIGN = ("/srs_secrets",)


def managed_files(box) -> dict[str, bytes | None]:
    files = {
        p: box.path(p).read_bytes() if box.path(p).exists() else None for p in managed_paths(box)
    }
    for path, data in files.items():
        if data is not None and path.endswith(RANDOM_BY_DESIGN):
            files[path] = f"random: {len(data)} bytes, hex {data.strip().isalnum()}".encode()
    return files


def service_status(box) -> dict[str, int]:
    """``/etc/rc.d/NAME onestatus`` exit status of every service (127: no script)."""
    script = "; ".join(
        f"[ -x /etc/rc.d/{s} ] && {{ /etc/rc.d/{s} onestatus >/dev/null 2>&1;"
        f' echo "{s} $?"; }} || echo "{s} 127"'
        for s in SERVICES
    )
    out = box.sh(script).stdout.split()
    return dict(zip(out[::2], map(int, out[1::2])))


def host_state(box) -> dict:
    """What an apply defines: the managed files and every service's rc.d status."""
    return {**managed_files(box), **{f"rc.d {s}": rc for s, rc in service_status(box).items()}}


def differences(expected: dict, actual: dict) -> list[str]:
    return sorted(k for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k))


def leftover_temp_files(box) -> list[str]:
    """Temp files of an interrupted atomic write (``.NAME.qw-tmp-PID``) anywhere."""
    found = []
    for dirpath, dirs, files in os.walk(box.paths.root):
        dirs[:] = [d for d in dirs if d not in ("proc", "dev")]
        found += [os.path.join(dirpath, f) for f in files if ".qw-tmp-" in f]
    return found


# -- journal, backups, lock, log ---------------------------------------------------------
def last_run(box) -> str:
    return box.read(f"{STATE}/last-run").strip()


def journal(box, run_id: str) -> dict:
    return json.loads(box.read(f"{STATE}/journal/{run_id}.json"))


def manifest(box, run_id: str) -> dict[str, dict]:
    path = box.path(f"{BACKUPS}/{run_id}/MANIFEST")
    return json.loads(path.read_text()) if path.exists() else {}


def backups(box, run_id: str) -> dict[str, tuple]:
    """Path -> (existed, mode, owner, saved bytes) of every backup of the run."""
    saved = {}
    for path, entry in manifest(box, run_id).items():
        data = None
        if entry["existed"]:
            data = box.path(f"{BACKUPS}/{run_id}{path}").read_bytes()
        saved[path] = (entry["existed"], entry.get("mode"), tuple(entry.get("owner", ())), data)
    return saved


def written_paths(box, run_id: str) -> set[str]:
    """Paths the run's log says it wrote (``edit PATH`` / ``create PATH`` entries)."""
    log = box.read(f"/var/log/qmail-wizard/{run_id}.log")
    return set(re.findall(r"^\S+ \[[a-z-]+\] (?:edit|create) (/\S+) \(mode", log, re.M))


def assert_backed_up(box, run_id: str, reference: dict[str, tuple]) -> None:
    """Every file the run wrote has a backup, and the backups are those an uninterrupted
    run of the same profile made (same paths, metadata and bytes)."""
    saved = backups(box, run_id)
    unsaved = sorted(written_paths(box, run_id) - saved.keys())
    assert not unsaved, f"written without a backup: {unsaved}"
    differ = differences(reference, saved)
    assert not differ, f"backups differ from the uninterrupted run's: {differ}"


def lock_holder(box) -> dict | None:
    path = box.path(HOLDER)
    return json.loads(path.read_text()) if path.exists() else None


def assert_journal_prefix(record: dict, status: str) -> list[str]:
    """The journal lists finished steps in plan order, a prefix of STEP_IDS."""
    steps = list(record["steps"])
    assert record["status"] == status, record
    assert steps == list(STEP_IDS[: len(steps)]), steps
    return steps


def smtp_accepts(box, subject: str) -> None:
    client = box.smtp(25)
    try:
        assert client.mail("someone@example.net")[0] == 250
        assert client.rcpt("admin@mail.example.org")[0] == 250
        assert client.data(f"Subject: {subject}\r\n\r\nHello.\r\n".encode())[0] == 250
    finally:
        client.quit()


# -- running and killing apply -------------------------------------------------------------
def start_apply(box, profile: str, *extra: str) -> subprocess.Popen:
    """``apply PROFILE --yes [extra]`` as an admin runs it, in its own process group."""
    # -v: kill points are found in the commands' output
    return start(box, "apply", profile, "--yes", "-v", *extra, stdout=subprocess.PIPE)


def kill_all(pid: int) -> None:
    """SIGKILL process group ``pid`` and every process descended from ``pid``, as a
    crash of the machine would: a long command runs in its own session (pexpect's pty,
    ``start_new_session``), which a process-group kill alone leaves running. Everything
    is stopped first, until no new descendant appears, so nothing forked after the
    list was read escapes (one did: an orphan tcprules, its input cut, rewrote the cdb
    after the resume had compiled it)."""
    os.killpg(pid, signal.SIGSTOP)
    family: dict[int, psutil.Process] = {}
    while True:
        try:
            found = [p for p in psutil.Process(pid).children(recursive=True) if p.pid not in family]
        except psutil.Error:
            found = []
        if not found:
            break
        for proc in found:
            family[proc.pid] = proc
            try:
                proc.suspend()
            except psutil.Error:
                pass
    os.killpg(pid, signal.SIGKILL)
    for proc in family.values():
        try:
            proc.kill()
        except psutil.Error:
            pass


def kill_at(child: subprocess.Popen, seen) -> str:
    """:func:`kill_all` the child on the first stderr line ``seen(line)`` accepts and
    return that line; AssertionError (with the end of its output) when apply ended
    first."""
    tail: list[str] = []
    try:
        for line in child.stderr:
            if seen(line):
                kill_all(child.pid)
                return line.rstrip("\n")
            tail = (tail + [line])[-12:]
        out = child.stdout.read()
    finally:
        child.wait(timeout=120)
        child.stderr.close()
        child.stdout.close()
    raise AssertionError(
        f"apply ended (status {child.returncode}) before the kill point; "
        f"its last output:\n{''.join(tail)}{out[-1500:]}"
    )


def no_orphans(box) -> None:
    """Wait until no long command of a killed apply runs on the host."""
    inside = SandboxHost(box.paths.base)
    assert wait_for(lambda: not any(p.name in ORPHANS for p in inside.processes())), [
        p.name for p in inside.processes()
    ]


def apply_done(box, profile: str, *extra: str) -> subprocess.CompletedProcess:
    done = wizard(box, "apply", profile, "--yes", "-v", *extra)  # -v: progress shown
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-2000:]
    assert "Traceback" not in done.stderr
    return done


def step_line(index: int):
    """Accepts the StepStarted line of step ``index`` (1-based): the first line a run
    prints with that step's ``[index/N] id: `` head."""
    head = f"[{index}/{N}] {STEP_IDS[index - 1]}: "
    return lambda line: line.startswith(head)


def step_finished(index: int):
    head = f"[{index}/{N}] {STEP_IDS[index - 1]}: "

    def finished(line: str) -> bool:  # "[1/12] preflight: unchanged in 0.0 s" (-v)
        words = line[len(head) :].split() if line.startswith(head) else []
        return words[:1] in (["changed"], ["unchanged"], ["checked"]) and (
            len(words) == 1 or words[1] == "in"
        )

    return finished


def output_of(command: str, *contains: str):
    """Accepts an output line of ``command`` (a substring of its shown text) that
    contains every one of ``contains``."""

    def seen(line: str) -> bool:
        head, bar, text = line.partition(" | ")
        return bool(bar) and command in head and all(c in text for c in contains)

    return seen


def action_start(command: str):
    """Accepts the line that shows ``command`` starting (it runs right after)."""
    return lambda line: " | " not in line and line.rstrip("\n").endswith(f": {command}")
