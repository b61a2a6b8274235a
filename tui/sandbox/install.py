"""Put the simulated base system's programs into a sandbox tree."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from . import sshd
from .container import USR_BIN_OVERLAYS, python_path_entries
from .layout import SandboxPaths
from .programs import BASE_PROGRAMS, MAILWRAPPER_LINKS, stub_text


def write_stub(target: Path, program: str, mode: int = 0o555) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(stub_text(program))
    tmp.chmod(mode)
    os.replace(tmp, target)


def install_base_programs(paths: SandboxPaths) -> None:
    """Stubs for every base-system program; /usr/bin ones go to the overlay."""
    for netbsd_path, program in BASE_PROGRAMS.items():
        name = os.path.basename(netbsd_path)
        if netbsd_path == f"/usr/bin/{name}" and name in USR_BIN_OVERLAYS:
            target = paths.control / "overlay" / "usr" / "bin" / name
        else:
            target = paths.host_path(netbsd_path)
        write_stub(target, program)
    for netbsd_path in MAILWRAPPER_LINKS:
        link = paths.host_path(netbsd_path)
        if netbsd_path.startswith("/usr/bin/"):
            continue  # /usr/bin is the machine's; mailq/newaliases go through /usr/sbin
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to("/usr/sbin/mailwrapper")


#: NetBSD base tools that Debian's /usr/bin reaches through /etc/alternatives.
ALTERNATIVES = ("awk", "vi", "ex", "view")


def _alternatives(paths: SandboxPaths) -> None:
    """Links in the sandbox's /etc/alternatives so that awk, vi ... resolve inside."""
    for name in ALTERNATIVES:
        machine_link = f"/usr/bin/{name}"
        if not (
            os.path.islink(machine_link)
            and os.readlink(machine_link).startswith("/etc/alternatives/")
        ):
            continue
        real = os.path.realpath(machine_link)
        link = paths.root / "etc" / "alternatives" / os.path.basename(os.readlink(machine_link))
        link.parent.mkdir(exist_ok=True)
        if link.is_symlink() and os.readlink(link) == real:
            continue
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(real)


def _write_script(path: Path, text: str) -> None:
    """Replace ``path`` atomically with an executable script, unless it already says ``text``."""
    if not path.exists() or path.read_text() != text:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text)
        tmp.chmod(0o555)
        os.replace(tmp, path)


def refresh_machine_links(paths: SandboxPaths) -> None:
    """(Re)write what ties the sandbox to this machine's Python: done at every boot."""
    bin_dir = paths.control / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    pythonpath = ":".join(python_path_entries())
    wrapper = bin_dir / "python"
    text = (
        "#!/bin/sh\n"
        "# The interpreter of the simulated programs (rewritten at each boot).\n"
        f"PYTHONPATH='{pythonpath}'; export PYTHONPATH\n"
        "PYTHONDONTWRITEBYTECODE=1; export PYTHONDONTWRITEBYTECODE\n"
        "# -S: no site module (PYTHONPATH has every entry); the machine's .pth files\n"
        "# would cost each simulated program ~30 ms of CPU, a C program's ~1 ms\n"
        f"exec '{sys.executable}' -S \"$@\"\n"
    )
    _write_script(wrapper, text)
    _write_script(  # pkgsrc's python package runs this (no simulator on its path)
        bin_dir / "pkg-python", f"#!/bin/sh\nexec '{sys.executable}' \"$@\"\n"
    )
    (paths.control / "python.json").write_text(
        json.dumps(
            {
                "executable": sys.executable,
                "real": os.path.realpath(sys.executable),
                "pythonpath": pythonpath,
            }
        )
        + "\n"
    )
    argv0 = paths.control / "argv0"
    argv0.mkdir(exist_ok=True)
    for link in argv0.iterdir():
        link.unlink()
    (paths.control / "run").mkdir(exist_ok=True)
    _alternatives(paths)
    sshd.refresh_program(paths)
