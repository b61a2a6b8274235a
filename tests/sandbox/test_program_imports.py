"""The simulated programs start light: each is a Python start, run thousands of times a
suite, so the modules most of them import stay off their import path.  A fresh
interpreter (``-S``, as the sandbox's wrapper starts them) imports each program and
lists what it loaded."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tui.sandbox.container import python_path_entries

#: run at every install, probe, boot or SMTP connection
FREQUENT = (
    "uname",
    "hostname",
    "ifconfig",
    "pkg_info",
    "useradd",
    "groupadd",
    "setuidgid",
    "argv0",
    "softlimit",
    "tcprules",
    "multilog",
    "qmail_smtpd",
    "qmail_send",
    "qmail_lspawn",
    "qmail_local",
    "init",
)
#: stdlib modules costing a start 7-16 ms of CPU each (dataclasses loads inspect, getopt
#: gettext), and PyYAML (~30 ms), wanted only when the faults file has an entry
HEAVY = ("dataclasses", "typing", "getopt", "gettext", "yaml", "tarfile")

SCRIPT = """
import importlib, json, sys
importlib.import_module("tui.sandbox.programs." + sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""


@pytest.mark.parametrize("program", FREQUENT)
def test_a_frequent_program_imports_none_of_the_heavy_modules(program):
    done = subprocess.run(
        [sys.executable, "-S", "-c", SCRIPT, program],
        env={"PYTHONPATH": ":".join(python_path_entries())},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    assert f"tui.sandbox.programs.{program}" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
