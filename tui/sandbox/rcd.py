"""rc.d for the simulated host: rc.subr, /etc/rc, /etc/rc.shutdown, base rc.d scripts,
and qmail-run's rc.d scripts per flavor.

The sh sources live in ``skel/`` (``rc.subr``, ``rc``, ``rc.shutdown``, ``rc.d/*``,
``qmail-run/<flavor>/<script>``); ``@NAME@`` placeholders are filled in here.
"""

from __future__ import annotations

import os
from pathlib import Path

from .flavors import ACCOUNT_DEFAULTS, LOCALBASE, PKG_SYSCONFDIR, UNVERIFIED, get_flavor

SKEL = Path(__file__).resolve().parent / "skel"

#: qmail-run's RCD_SCRIPTS (facts §4); all flavors here are post-2017Q1-pullup.
QMAIL_RUN_SCRIPTS = ("qmail", "qmailsend", "qmailsmtpd", "qmailpop3d", "qmailqread", "qmailofmipd")

#: postfix:maildrop, as in create.py's base accounts.
POSTFIX_MAILDROP_OWNER = (12, 11)

#: pkgsrc substitutions that do not depend on the build (NetBSD values).
_PKGSRC_SUBST = {
    "RCD_SCRIPTS_SHELL": "/bin/sh",
    "PREFIX": LOCALBASE,
    "PKG_SYSCONFDIR": PKG_SYSCONFDIR,
    "VARBASE": "/var",
    "SETENV": "/usr/bin/env",
    "HEAD": "/usr/bin/head",
    "ID": "/usr/bin/id",
    "ECHO": "echo",
    "ECHO_N": "echo -n",
    "CHMOD": "/bin/chmod",
    "CAT": "/bin/cat",
    "DIRNAME": "/usr/bin/dirname",
    "UCSPI_SSL_USER": "ucspissl",
    "UCSPI_SSL_GROUP": "ucspissl",
}


def _fill(text: str, values: dict) -> str:
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    return text


def _write(path: Path, text: str, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.chmod(mode)
    os.replace(tmp, path)


def install_base_rc(paths, flavor, config) -> None:
    """Write /etc/rc, /etc/rc.subr, /etc/rc.shutdown and /etc/rc.d/postfix (and the
    rcorder placeholders), plus the postfix spool directories rc.d/postfix needs."""
    for name in ("rc", "rc.subr", "rc.shutdown"):
        _write(paths.host_path(f"/etc/{name}"), (SKEL / name).read_text(), 0o644)
    values = {"MAILERCONF_WARNING": UNVERIFIED["postfix_mailerconf_warning"]}
    for script in sorted((SKEL / "rc.d").iterdir()):
        _write(
            paths.host_path(f"/etc/rc.d/{script.name}"), _fill(script.read_text(), values), 0o555
        )
    for directory, mode, owner in (
        ("etc", 0o755, (0, 0)),
        ("pid", 0o755, (0, 0)),
        ("maildrop", 0o730, POSTFIX_MAILDROP_OWNER),
    ):
        path = paths.host_path(f"/var/spool/postfix/{directory}")
        path.mkdir(parents=True, exist_ok=True)
        os.chown(path, *owner)
        path.chmod(mode)


def qmail_run_scripts(flavor, build_vars: dict) -> dict:
    """qmail-run's rc.d scripts {name: sh text} for the flavor, with the QMAIL_* names of
    ``build_vars`` (e.g. {"QMAIL_DAEMON_USER": "qmaild", ...}) substituted."""
    flavor = get_flavor(flavor) if isinstance(flavor, str) else flavor
    qmail = flavor.package("qmail-run")
    values = dict(_PKGSRC_SUBST)
    values.update(ACCOUNT_DEFAULTS)
    values.update({k: v for k, v in build_vars.items() if v})
    values["PKGNAME"] = qmail.pkgname
    directory = SKEL / "qmail-run" / flavor.name
    return {name: _fill((directory / name).read_text(), values) for name in QMAIL_RUN_SCRIPTS}
