"""The probe's output, section by section, into HostState (probe.py runs the script)."""

from __future__ import annotations

import re

from . import procmatch
from .hoststate import MAILDIR_SUBDIRS, HostState


def apply_section(state: HostState, kind: str, name: str, rc: int, lines: list[str]) -> None:
    text = "\n".join(lines).strip()
    if kind == "uname":
        state.uname = text
    elif kind == "hostname":
        state.hostname = text
    elif kind == "id" and text.isdigit():
        state.uid = int(text)
    elif kind == "ifconfig":
        state.addresses = inet_addresses(lines) if rc == 0 else None
    elif kind in PACKAGE_KINDS:
        _package_section(state, kind, name, rc, text)
    elif kind == "maildir":
        _maildir_section(state, name, lines)
    elif kind == "names":
        state.alias_names = [
            line for line in lines if line.startswith(".qmail-") and "/" not in line
        ]
    else:
        _service_section(state, kind, name, rc, text)


INET = re.compile(r"^\s+inet (\d+\.\d+\.\d+\.\d+)[/\s]")


def inet_addresses(lines: list[str]) -> list[str]:
    """The IPv4 addresses of ``ifconfig -a``'s inet lines (``inet A/len ...`` since
    NetBSD 7.1, ``inet A netmask M ...`` before), in its order."""
    return [m.group(1) for m in map(INET.match, lines) if m]


PACKAGE_KINDS = frozenset(
    ("pkgdb", "pkgs", "pkgdir", "pkgsrc-tree", "binary-package", "show-options", "binary-options")
)


def _package_section(state: HostState, kind: str, name: str, rc: int, text: str) -> None:
    """What is installed, and what the option catalog is read from."""
    if kind == "pkgdb":
        state.pkgdb = text
    elif kind == "pkgs" and rc != 0:
        state.pkgdb = ""  # no answer to keep
    elif kind == "pkgs":
        for line in text.splitlines():
            pkgname = line.split()[0] if line.split() else ""
            base, _, version = pkgname.rpartition("-")
            if base and version[:1].isdigit():
                state.packages[base] = pkgname
    elif kind == "pkgdir":
        info = state.files.get(f"{text}/+BUILD_INFO", "")
        state.build_info[name] = dict(
            line.split("=", 1) for line in info.splitlines() if "=" in line
        )
    elif kind == "pkgsrc-tree":
        state.pkgsrc_tree = True
    elif kind == "binary-package":
        state.binary_packages.append(name)
    elif kind == "show-options" and rc == 0:
        state.show_options = text + "\n"
    elif kind == "binary-options" and rc == 0:
        state.binary_options[name] = text


def _maildir_section(state: HostState, name: str, lines: list[str]) -> None:
    parts = ("Maildir",) + MAILDIR_SUBDIRS
    seen = dict(line.split(" ", 1) for line in lines if line.split(" ", 1)[0] in parts)
    state.maildirs[name] = {part: seen.get(part, "missing") for part in parts}
    odd = [line[4:] for line in lines if line.startswith("odd ")]
    if odd:
        state.maildir_odd[name] = odd


def _service_section(state: HostState, kind: str, name: str, rc: int, text: str) -> None:
    """The services, compiled rules and tools seen."""
    if kind == "rcd":
        state.rcd_status[name] = (rc, text)
        state.rcd_scripts.add(name)
    elif kind == "rcd-script":
        state.rcd_scripts.add(name)
    elif kind == "postfix-master":
        if text and procmatch.command_matches(text.split(), procmatch.POSTFIX_MASTER):
            state.postfix_master = int(name)
    elif kind == "cdb":
        state.cdbs[name] = rc == 0
    elif kind == "tool":
        state.tools.add(name)
    elif kind == "mode":
        lines = text.splitlines()
        if len(lines) >= 2 and len(lines[1].split()) == 2:
            owner, group = lines[1].split()
            state.modes[name] = (lines[0].strip()[:10], owner, group)
