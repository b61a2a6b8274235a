"""``qmail-wizard export ansible``: a playbook directory that converges a fleet on a profile.

The directory holds ``site.yml`` (hosts: mail), ``ansible.cfg``, README.md,
``group_vars/mail.yml`` and the role ``roles/qmail_wizard``: its tasks (from ``skel/``),
its module (``library/qmail_wizard.py``), the profile as a template whose per-host values
come from host variables, and qmail-wizard itself as a zipapp built from this install.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import zipfile
from pathlib import Path

import tui

from ...backend.profile import Profile, dump

SKEL = Path(__file__).resolve().parent / "skel"
ROLE = Path("roles") / "qmail_wizard"
PYZ = ROLE / "files" / "qmail-wizard.pyz"
#: The stand-in for the host's own name while the profile is dumped.
_ME = "QMAILWIZARDHOSTNAME"
_JINJA_ME = '"{{ qmail_wizard_me }}"'
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed: the same install exports the same zipapp
_MAIN = "import sys\n\nfrom tui.cli import main\n\nsys.exit(main())\n"


def python_version() -> str:
    """The pkgsrc Python the role installs when missing: the controller's version."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def profile_template(profile: Profile) -> str:
    """The profile as a Jinja template: ``mail.me`` (and the same name in locals and
    rcpthosts) becomes ``{{ qmail_wizard_me }}``; every other value is shared."""
    mail = profile.mail
    me = mail.me
    swapped = dataclasses.replace(
        mail,
        me=_ME,
        locals=[_ME if v == me else v for v in mail.locals],
        rcpthosts=[_ME if v == me else v for v in mail.rcpthosts],
    )
    text = dump(dataclasses.replace(profile, mail=swapped), header="")
    return _HEADER + _JINJA_ME.join(_raw(part) for part in text.split(_ME))


_HEADER = (
    "# qmail-wizard profile, rendered per host by Ansible (roles/qmail_wizard/templates).\n"
    "# mail.me is the variable qmail_wizard_me: the host's name, or host_vars/HOST.yml's.\n"
    "# Any other value can become per-host the same way (see README.md).\n"
)


def _raw(text: str) -> str:
    """``text`` kept literal by Jinja when it holds Jinja's own delimiters."""
    if any(mark in text for mark in ("{{", "{%", "{#")):
        return "{% raw %}" + text + "{% endraw %}"
    return text


def _defaults(version: str) -> str:
    short = version.replace(".", "")
    return (
        "---\n"
        "# Where qmail-wizard and the host's profile live (outside /usr/pkg: not a package).\n"
        "qmail_wizard_pyz: /usr/local/libexec/qmail-wizard/qmail-wizard.pyz\n"
        "qmail_wizard_profile: /usr/local/etc/qmail-wizard/profile.yaml\n"
        "# pkgsrc packages installed with pkgin when the host lacks them.\n"
        f"qmail_wizard_python_package: python{short}\n"
        f"qmail_wizard_module_packages: [py{short}-yaml, py{short}-psutil, py{short}-pexpect]\n"
        "# The profile's per-host value (templates/profile.yaml.j2): the host's name.\n"
        "qmail_wizard_me: \"{{ ansible_facts['nodename'] }}\"\n"
        "# Write the profile's version of files changed by hand (yours are backed up first).\n"
        "qmail_wizard_overwrite_drift: false\n"
    )


def _group_vars(version: str) -> str:
    return (
        "---\n"
        "# pkgsrc's Python on the hosts (the role installs it with pkgin when missing).\n"
        f"ansible_python_interpreter: /usr/pkg/bin/python{version}\n"
    )


def build_zipapp(target: Path) -> None:
    """qmail-wizard (this install's ``tui`` package) as a zipapp with a fixed date."""
    source = Path(tui.__file__).resolve().parent
    tmp = target.with_name(target.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("__main__.py", _ZIP_DATE), _MAIN)
        for path in sorted(source.rglob("*")):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            name = str(Path("tui") / path.relative_to(source))
            info = zipfile.ZipInfo(name, _ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    os.replace(tmp, target)


def _name(rel: Path) -> Path:
    """A skeleton file's name in the export: ``.py.in`` (kept out of the tui package's
    modules: it imports ansible) is written as ``.py``."""
    return rel.with_suffix("") if rel.name.endswith(".py.in") else rel


def files(profile: Profile) -> dict[Path, str]:
    """The exported text files, by path in the directory (the zipapp apart)."""
    written = {_name(p.relative_to(SKEL)): p.read_text() for p in SKEL.rglob("*") if p.is_file()}
    version = python_version()
    written[ROLE / "defaults" / "main.yml"] = _defaults(version)
    written[Path("group_vars") / "mail.yml"] = _group_vars(version)
    written[ROLE / "templates" / "profile.yaml.j2"] = profile_template(profile)
    return written


def export(profile: Profile, out: Path) -> list[Path]:
    """Write the directory at ``out``; returns the files written (relative)."""
    written = files(profile)
    for rel, text in written.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    (out / PYZ).parent.mkdir(parents=True, exist_ok=True)
    build_zipapp(out / PYZ)
    return sorted([*written, PYZ])
