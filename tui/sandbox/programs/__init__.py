"""The simulated NetBSD programs, and where each one is installed.

Every program is a module of this package with ``main(argv: list[str]) -> int``;
the module name is the program name with ``-`` turned into ``_``.  Inside the
sandbox each installed program is a tiny stub script (see :func:`stub_text`) that
runs ``tui.sandbox.programs.main(NAME)`` with the sandbox's interpreter; programs
see NetBSD paths and use plain file I/O on them.

``BASE_PROGRAMS`` are part of the NetBSD base system (installed at creation).
``PACKAGE_PROGRAMS`` are installed by packages, relative to ``/usr/pkg``; the
repository builder puts a stub for each into the package's files.
"""

from __future__ import annotations

import importlib
import sys

#: NetBSD base system: path -> program.
BASE_PROGRAMS = {
    "/sbin/init": "init",
    "/usr/sbin/syslogd": "syslogd",
    "/sbin/nologin": "nologin",
    "/usr/bin/uname": "uname",
    "/usr/bin/hostname": "hostname",
    "/sbin/ifconfig": "ifconfig",
    "/usr/bin/logger": "logger",
    "/usr/bin/make": "make",
    "/usr/sbin/pkg_add": "pkg_add",
    "/usr/sbin/pkg_info": "pkg_info",
    "/usr/sbin/pkg_delete": "pkg_delete",
    "/usr/sbin/pkg_admin": "pkg_admin",
    "/usr/sbin/useradd": "useradd",
    "/usr/sbin/usermod": "usermod",
    "/usr/sbin/groupadd": "groupadd",
    "/usr/sbin/userdel": "userdel",
    "/usr/sbin/groupdel": "groupdel",
    "/usr/sbin/service": "service",
    # NetBSD: /usr/bin/sockstat; the sandbox's /usr/bin is the machine's (see FIDELITY)
    "/usr/sbin/sockstat": "sockstat",
    "/sbin/rcorder": "rcorder",
    "/usr/sbin/mailwrapper": "mailwrapper",
    "/usr/sbin/postfix": "postfix",
    "/usr/libexec/postfix/master": "postfix-master",
    "/usr/libexec/postfix/smtpd": "postfix-smtpd",
    "/usr/libexec/postfix/sendmail": "postfix-sendmail",
}

#: mailwrapper(8) front ends: path -> the mailwrapper program.
MAILWRAPPER_LINKS = ("/usr/sbin/sendmail", "/usr/bin/mailq", "/usr/bin/newaliases")

#: Package contents that are programs: package base -> {path under /usr/pkg: program}.
PACKAGE_PROGRAMS = {
    "qmail": {
        "bin/qmail-start": "qmail-start",
        "bin/qmail-send": "qmail-send",
        "bin/qmail-lspawn": "qmail-lspawn",
        "bin/qmail-rspawn": "qmail-rspawn",
        "bin/qmail-clean": "qmail-clean",
        "bin/qmail-local": "qmail-local",
        "bin/qmail-remote": "qmail-remote",
        "bin/qmail-queue": "qmail-queue",
        "bin/qmail-smtpd": "qmail-smtpd",
        "bin/qmail-inject": "qmail-inject",
        "bin/sendmail": "sendmail",
        "bin/qmail-qstat": "qmail-qstat",
        "bin/qmail-qread": "qmail-qread",
        "bin/qmail-newu": "qmail-newu",
        "bin/qmail-newmrh": "qmail-newmrh",
        "bin/qmail-tcpto": "qmail-tcpto",
        "bin/qmail-tcpok": "qmail-tcpok",
        "bin/qmail-showctl": "qmail-showctl",
        "bin/qmail-pop3d": "qmail-pop3d",
        "bin/qmail-popup": "qmail-popup",
        "bin/maildirmake": "maildirmake",
        "share/qmail/setup/config-fast": "config-fast",
        "share/qmail/setup/hostname": "qmail-hostname",
    },
    "ucspi-tcp": {
        "bin/tcpserver": "tcpserver",
        "bin/tcprules": "tcprules",
        "bin/tcprulescheck": "tcprulescheck",
    },
    "ucspi-tcp6": {
        "bin/tcpserver": "tcpserver",
        "bin/tcprules": "tcprules",
        "bin/tcprulescheck": "tcprulescheck",
    },
    "ucspi-ssl": {
        "bin/sslserver": "sslserver",
    },
    "daemontools": {
        "bin/setuidgid": "setuidgid",
        "bin/softlimit": "softlimit",
        "bin/argv0": "argv0",
        "bin/pgrphack": "pgrphack",
        "bin/multilog": "multilog",
    },
    "greetdelay": {"bin/greetdelay": "passthrough"},
    "qmail-acceptutils": {
        "bin/authup": "authup",
        "bin/fixsmtpio": "fixsmtpio",
        "bin/checknotroot": "checknotroot",
        "bin/reup": "reup",
    },
    "checkpassword": {"bin/checkpassword": "checkpassword"},
    "qmail-rejectutils": {
        "bin/rblsmtpd": "passthrough",
        "bin/qmail-rcptcheck": "qmail-rcptcheck",
        "bin/qmail-rcptcheck-realrcptto": "qmail-rcptcheck-realrcptto",
    },
    "queue-fix": {"bin/queue-fix": "queue-fix"},
    "mess822": {"bin/ofmipd": "ofmipd"},
    "pkgin": {"bin/pkgin": "pkgin"},
    "doas": {"bin/doas": "doas"},
}

#: Programs only a build option installs: (package base, option) -> {path: program}.
OPTION_PROGRAMS = {
    ("qmail", "qmail-srs"): {"bin/srsfilter": "srsfilter"},
}


def package_programs(base: str, options) -> dict[str, str]:
    """Path under /usr/pkg -> program, for ``base`` built with ``options``."""
    found = dict(PACKAGE_PROGRAMS.get(base, {}))
    for (pkg, option), programs in OPTION_PROGRAMS.items():
        if pkg == base and option in options:
            found.update(programs)
    return found


def module_name(program: str) -> str:
    return program.replace("-", "_")


def stub_text(program: str) -> str:
    """The file installed for a simulated program."""
    from ..layout import PYTHON_WRAPPER  # here: every program's start imports this module

    return (
        f"#!{PYTHON_WRAPPER}\n"
        f"# qmail-wizard sandbox: simulated '{program}' (source: tui/sandbox/programs)\n"
        "from tui.sandbox.programs import main\n"
        f"main({program!r})\n"
    )


def main(program: str) -> None:
    """Entry point of every stub: run the program and exit with its status."""
    module = importlib.import_module(f"{__name__}.{module_name(program)}")
    try:
        status = module.main(sys.argv)
    except KeyboardInterrupt:
        status = 130
    except BrokenPipeError:
        status = 141
    if sys.stdout is not None:  # None when descriptor 1 was closed at start
        sys.stdout.flush()
    sys.exit(status)
