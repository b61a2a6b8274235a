"""Fault injection: what the sandbox's ``faults.yaml`` asks the simulated tools to break.

Each entry has a ``kind`` and what it matches (``package`` or ``service``); it
strikes every time, or ``times`` times when given (the count is kept in the file,
so a fault "goes away" and a resume can succeed).
"""

from __future__ import annotations

import fcntl
import os

from .layout import CONTROL_MOUNT, FAULTS_NAME

KINDS = {
    "missing-package": "package",  # pkg_add/pkgin/make cannot find it
    "network-failure": "package",  # the download breaks at at_percent
    "slow-download": "package",  # the download takes `seconds`
    "install-script-failure": "package",  # +INSTALL exits 1
    "service-start-failure": "service",  # the rc.d start of that service fails
    "pkgin-wrong-answer": None,  # pkgin reads the answer as a refusal
}


def faults_path() -> str:
    return os.path.join(CONTROL_MOUNT, FAULTS_NAME)


def check_entries(entries) -> list[str]:
    """Problems in a faults list, each naming the entry and what is allowed."""
    problems = []
    if not isinstance(entries, list):
        return ["'faults' must be a list of entries"]
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or entry.get("kind") not in KINDS:
            problems.append(f"faults[{index}]: kind must be one of {', '.join(sorted(KINDS))}")
    return problems


def strike(kind: str, subject: str | None = None, path: str | None = None) -> dict | None:
    """The matching fault if it strikes now (its remaining count is decremented)."""
    path = path or faults_path()
    try:
        fh = open(path, "r+")  # noqa: SIM115 (closed by the with below; OSError handled apart)
    except OSError:
        return None
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        text = fh.read()
        if "kind" not in text:  # no entry: spare every simulated tool yaml's import
            return None
        import yaml

        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError:
            return None
        entries = data.get("faults") or []
        if check_entries(entries):
            return None
        for entry in entries:
            if entry["kind"] != kind:
                continue
            field = KINDS[kind]
            if field and entry.get(field) not in (None, subject):
                continue
            times = entry.get("times")
            if times is not None:
                if int(times) <= 0:
                    continue
                entry["times"] = int(times) - 1
                fh.seek(0)
                fh.truncate()
                yaml.safe_dump(data, fh, sort_keys=False)
            return dict(entry)
    return None
