"""What a simulated NetBSD host is made of, per flavor: one place, as data.

Everything here comes from ``shared/netbsd-pkgsrc-facts.md``.  Values that the
facts file marks UNVERIFIED are collected in :data:`UNVERIFIED` (and used from
there) so that they are easy to find and change.
"""

from __future__ import annotations

import sys
from collections import namedtuple
from types import MappingProxyType

TYPE_CHECKING = False  # not typing's, nor dataclasses: most simulated programs import
if TYPE_CHECKING:  # this module, and those imports would cost each start ~25 ms of CPU
    from collections.abc import Mapping
    from typing import Any

#: Best guesses for facts the fact sheet could not confirm.  Keep them here.
UNVERIFIED: dict[str, Any] = {
    # 7.1: how the quarterly binary directory was named (facts §7.1).
    "repo_tag_2017Q1": "7.1_2017Q1",
    "repo_tag_2020Q2": "9.0_2020Q2",
    # facts §1c: whether 2020-era qmail still offered djbware-errno-hack.
    "errno_hack_2020": False,
    # facts §3.2: shell and GECOS of package users.
    "nologin": "/sbin/nologin",
    "user_gecos": "qmail {role}",
    # facts §7.4: pkg_delete wording when a package is required by others.
    "pkg_delete_required": (
        "pkg_delete: Package `{pkg}' is still required by other packages:",
        "\t{others}",
    ),
    # mk/defaults/options.description line of tai-system-clock (2019): no stored
    # revision has it; the text is a guess, the single tab follows the file's alignment.
    "tai_system_clock_description": "Assume the system clock runs on TAI, not UTC.",
    # facts §7.5: pkgin 0.x wording is assumed for the flavors' pkgin.
    "pkgin_version": {"2017Q1": "0.9.4nb4", "2020Q2": "20.5.1"},
    # facts §2: the qmail-run package versions of each branch.
    "qmail_run_version": {"2017Q1": "20170406", "2020Q2": "20200519"},
    # mess822's PKGREVISION on pkgsrc-2020Q2 (0.58 with the pkgsrc bumps) was not read.
    "mess822_version": {"2020Q2": "0.58nb3"},
    "qmail_version": {"2017Q1": "1.03nb27", "2020Q2": "1.03nb48"},
    # facts §6.2: the rc.d/postfix mailer.conf check warning.
    # (now read: src:etc/rc.d/postfix rev 1.17, 2015, prints this text; kept here
    # because the facts file still lists it as unverified)
    "postfix_mailerconf_warning": (
        "WARNING: default postfix not used as not selected in mailer.conf"
    ),
    # facts §6.4: group name rule; we use the wizard's safe validator.
    "name_rule": r"^[a-z_][a-z0-9_.-]{0,15}$",
    # pkgsrc does not check QMAIL_* names at make time (useradd would fail at
    # install); the simulated make refuses early, worded like useradd (facts §6.4).
    "bad_account_name": "{var}: `{name}' is not a valid login name",
    # make(1) lines after a failed target (bmake compat mode).
    "make_stop": ("*** Error code 1", "", "Stop.", "make: stopped in {cwd}"),
    # pkgsrc install.mk when the package is already installed.
    "already_installed": (
        "{pkg} is already installed - perhaps an older version?",
        "If so, you may use either of:",
        ' - "pkg_delete {base}" and "make reinstall" to upgrade properly',
        ' - "make update" to rebuild the package and all of its dependencies',
        ' - "make replace" to replace only the package without re-linking',
        "   dependencies, risking various problems.",
    ),
    # facts §6.4 (1999 wording); the newer user.c says
    # "Can't add user `{name}': invalid login name".
    "useradd_invalid": "`{name}' is not a valid login name",
    # pkg_add's download phase (the sandbox shows one; real libfetch prints none).
    "pkg_add_download": "Fetching {url}: {done} of {total} bytes ({pct}%)",
    "pkg_add_network_failure": "pkg_add: {url}: Connection reset by peer",
    # facts §7.4: pkg_delete wording for a pattern matching nothing.
    "pkg_delete_not_installed": "pkg_delete: No package `{name}' installed",
    # facts §7.2: pkg_info for a name that is neither installed nor a file.
    "pkg_info_not_found": "pkg_info: can't find package `{name}' installed or in a file!",
    # facts §7.5: pkgin exit status when the prompt is refused.
    "pkgin_refused_status": 1,
    # facts §5.4: queue-fix lines (2017Q1 queue creation).
    "queue_fix_banner": "queue-fix 1.4",
    # pkg_summary compression of the pkgin repository.
    "pkg_summary_name": "pkg_summary.gz",
    # who ships tcprules in the 2020 tls (ucspi-ssl) setup: we make ucspi-ssl depend on
    # ucspi-tcp6 (repo.depends).
    # facts §5.6: the 2017Q1 qmail-run MESSAGE is assumed to be rev 1.5's text; pkg_install
    # tool versions and build hosts of the binary packages are guesses too (repo.BUILD_ENV).
    # facts §6.3: service(8) -f; the netbsd-7 service (rev 1.7.10.1, 2017) has no -f.
    "service_fast_flag": {"2017Q1": False, "2020Q2": True},
    # base-system Postfix version in master's "daemon started" log line.
    "postfix_version": {"2017Q1": "2.11.4", "2020Q2": "3.4.7"},
    # facts §4: qmail-run script revisions not read.  2020Q2 qmailsend is rev 1.18 as
    # described (softlimit -m datalimit, full qmail-start path); 2020Q2 qmailsmtpd uses
    # control/tcprules/smtp with autocdb like qmailpop3d 1.31 (its revision is not
    # read); 2017Q1 qmailsmtpd substitutes the QMAIL_* users like the pulled-up
    # qmailqread 1.8.12.1 (its branch revision is not read); qmailqread's tag is
    # nbqmail/qread in 2020Q2 (rev 1.13 would log with an empty tag); the umbrella's
    # reload runs qmailsend (rev 1.6 says "send").
    "qmail_run_script_guesses": True,
}
#: The ten account variables and their defaults (facts §3.1).
ACCOUNT_DEFAULTS = {
    "QMAIL_ALIAS_USER": "alias",
    "QMAIL_DAEMON_USER": "qmaild",
    "QMAIL_LOG_USER": "qmaill",
    "QMAIL_ROOT_USER": "root",
    "QMAIL_PASSWD_USER": "qmailp",
    "QMAIL_QUEUE_USER": "qmailq",
    "QMAIL_REMOTE_USER": "qmailr",
    "QMAIL_SEND_USER": "qmails",
    "QMAIL_QMAIL_GROUP": "qmail",
    "QMAIL_NOFILES_GROUP": "nofiles",
}

#: Which group each created user belongs to (facts §3.2).  ROOT is not created.
ACCOUNT_GROUPS = {
    "QMAIL_ALIAS_USER": "QMAIL_NOFILES_GROUP",
    "QMAIL_DAEMON_USER": "QMAIL_NOFILES_GROUP",
    "QMAIL_LOG_USER": "QMAIL_NOFILES_GROUP",
    "QMAIL_PASSWD_USER": "QMAIL_NOFILES_GROUP",
    "QMAIL_QUEUE_USER": "QMAIL_QMAIL_GROUP",
    "QMAIL_REMOTE_USER": "QMAIL_QMAIL_GROUP",
    "QMAIL_SEND_USER": "QMAIL_QMAIL_GROUP",
}

QMAILDIR = "/var/qmail"
QMAIL_QUEUE_DIR = "/var/spool/qmail"
LOCALBASE = "/usr/pkg"
PKG_SYSCONFDIR = "/usr/pkg/etc/qmail"
RCD_EXAMPLES = "/usr/pkg/share/examples/rc.d"

#: /var/qmail symlinks made by qmail's PRE-INSTALL (facts §3.3).
QMAILDIR_LINKS = {
    "alias": "/usr/pkg/etc/qmail/alias",
    "bin": "/usr/pkg/bin",
    "boot": "/usr/pkg/share/examples/qmail/boot",
    "control": "/usr/pkg/etc/qmail/control",
    "doc": "/usr/pkg/share/doc/qmail",
    "man": "/usr/pkg/man",
    "queue": "/var/spool/qmail",
    "users": "/usr/pkg/etc/qmail/users",
}


class OptionSet(
    namedtuple(
        "OptionSet",
        "supported suggested optional_groups implies",
        defaults=(MappingProxyType({}), MappingProxyType({})),
    )
):
    """A package's PKG_OPTIONS vocabulary (bsd.options.mk semantics)."""

    __slots__ = ()
    supported: tuple[str, ...]
    suggested: tuple[str, ...]
    #: PKG_OPTIONS_OPTIONAL_GROUPS: pick at most one of the members.
    optional_groups: Mapping[str, tuple[str, ...]]
    #: option -> option it turns on (e.g. tls -> sasl).
    implies: Mapping[str, str]


class Package(namedtuple("Package", "base version category comment depends", defaults=((),))):
    """One binary package in the flavor's repository."""

    __slots__ = ()
    base: str
    version: str
    category: str
    comment: str
    depends: tuple[str, ...]

    @property
    def pkgname(self) -> str:
        return f"{self.base}-{self.version}"


class Flavor(
    namedtuple(
        "Flavor",
        "name netbsd_release machine_arch repo_tag pkg_dbdir qmail_options"
        " qmail_run_options packages tcprules_layout preinstalled",
    )
):
    """One simulated host: its release, pkgsrc branch and repository."""

    __slots__ = ()
    name: str
    netbsd_release: str
    machine_arch: str
    repo_tag: str
    pkg_dbdir: str
    qmail_options: OptionSet
    qmail_run_options: OptionSet
    packages: tuple[Package, ...]
    #: where tcprules sources live: "sysconfdir" (tcp.smtp) or "control" (control/tcprules/smtp)
    tcprules_layout: str
    #: packages installed at creation (bootstrap: pkgin).
    preinstalled: tuple[str, ...]

    @property
    def repo_dir(self) -> str:
        return f"/pub/pkgsrc/packages/NetBSD/{self.machine_arch}/{self.repo_tag}/All"

    def package(self, base: str) -> Package:
        for pkg in self.packages:
            if pkg.base == base:
                return pkg
        raise KeyError(base)


_QMAIL_2017Q1 = OptionSet(
    supported=(
        "sasl",
        "syncdir",
        "tls",
        "qmail-bigdns",
        "qmail-maildiruniq",
        "qmail-netqmail",
        "qmail-outgoingip",
        "qmail-srs",
        "qmail-viruscan",
        "djbware-errno-hack",
    ),
    suggested=("djbware-errno-hack", "qmail-bigdns", "qmail-netqmail", "qmail-realrcptto"),
    optional_groups={
        "rcpt": ("qmail-badrcptto", "qmail-qregex", "qmail-rcptcheck", "qmail-realrcptto")
    },
    implies={"tls": "sasl"},
)

_QMAIL_2020 = OptionSet(
    supported=(
        "eai",
        "inet6",
        "pam",
        "syncdir",
        "tai-system-clock",
        "tls",
        "qmail-customerror",
        "qmail-srs",
    )
    + (("djbware-errno-hack",) if UNVERIFIED["errno_hack_2020"] else ()),
    suggested=("eai", "qmail-customerror", "qmail-srs", "syncdir", "tls"),
)
# options.mk 1.69 (2020-05-23) no longer maps the pre-2017-08 names (the compatibility
# of 1.44/1.45 ended after 2017Q3): they are unsupported options like any other.

_RUN_2017Q1 = OptionSet(supported=("qmail-run-ofmipd", "sasl", "tls"), suggested=())
_RUN_2020 = OptionSet(supported=(), suggested=())


#: The pkgsrc Python the sandbox offers (for Ansible and a copied qmail-wizard): named after
#: the machine's interpreter, which ``bin/python3.X`` runs (docs/FIDELITY.md §16.ansible).
PYVERSION = f"{sys.version_info.major}.{sys.version_info.minor}"
PYTHON_PKG = f"python{PYVERSION.replace('.', '')}"
PYTHON_PACKAGES = (
    Package(
        PYTHON_PKG,
        f"{PYVERSION}.{sys.version_info.micro}",
        "lang",
        "Interpreted, interactive, object-oriented programming language",
    ),
    Package(
        f"py{PYVERSION.replace('.', '')}-yaml",
        "5.4.1",
        "textproc",
        "Collection of libraries to process YAML with Python",
        (f"{PYTHON_PKG}>=0",),
    ),
    Package(
        f"py{PYVERSION.replace('.', '')}-psutil",
        "5.9.8",
        "sysutils",
        "Cross-platform process and system utilities module for Python",
        (f"{PYTHON_PKG}>=0",),
    ),
    Package(
        f"py{PYVERSION.replace('.', '')}-pexpect",
        "4.8.0",
        "devel",
        "Pure Python Expect-like module",
        (f"{PYTHON_PKG}>=0",),
    ),
)


def _v(key: str, flavor: str) -> str:
    return UNVERIFIED[key][flavor]


FLAVORS = {
    "2017Q1": Flavor(
        name="2017Q1",
        netbsd_release="7.1",
        machine_arch="amd64",
        repo_tag=UNVERIFIED["repo_tag_2017Q1"],
        pkg_dbdir="/var/db/pkg",
        qmail_options=_QMAIL_2017Q1,
        qmail_run_options=_RUN_2017Q1,
        packages=(
            Package(
                "qmail",
                _v("qmail_version", "2017Q1"),
                "mail",
                "Secure, reliable, efficient, simple, and fast MTA",
                ("daemontools>=0.76", "queue-fix>=1.4nb1", "ucspi-tcp>=0.88"),
            ),
            Package(
                "qmail-run",
                _v("qmail_run_version", "2017Q1"),
                "mail",
                "Configures qmail to receive and deliver mail",
                ("qmail>=1.03nb8", "qmail-qfilter>1.5nb1"),
            ),
            Package("daemontools", "0.76nb1", "sysutils", "Service-monitoring and logging tools"),
            Package(
                "ucspi-tcp",
                "0.88nb7",
                "net",
                "Command-line tools for building TCP client-server applications",
            ),
            Package("queue-fix", "1.4nb2", "mail", "Repair or create a qmail queue"),
            Package(
                "qmail-qfilter", "2.1nb1", "mail", "Front end for qmail-queue that runs filters"
            ),
            Package(
                "mess822", "0.58nb2", "mail", "Library and tools for parsing Internet mail messages"
            ),
            Package("checkpassword", "0.90nb1", "sysutils", "Simple password-checking interface"),
            # qmail-run's sasl/tls options (facts §2).
            Package(
                "spamdyke", "5.0.1", "mail", "Filter that monitors and controls SMTP connections"
            ),
            Package("stunnel", "5.40", "security", "Universal SSL tunnel"),
            Package("libsrs2", "1.0.18", "mail", "Sender Rewriting Scheme library"),
            Package("syncdir", "1.0nb1", "devel", "Synchronous link/rename/unlink/open for qmail"),
            Package(
                "pkgin",
                _v("pkgin_version", "2017Q1"),
                "pkgtools",
                "Apt / yum like tool for managing pkgsrc binary packages",
            ),
        )
        + PYTHON_PACKAGES,
        tcprules_layout="sysconfdir",
        preinstalled=("pkgin",),
    ),
    "2020Q2": Flavor(
        name="2020Q2",
        netbsd_release="9.0",
        machine_arch="amd64",
        repo_tag=UNVERIFIED["repo_tag_2020Q2"],
        pkg_dbdir="/var/db/pkg",
        qmail_options=_QMAIL_2020,
        qmail_run_options=_RUN_2020,
        packages=(
            Package(
                "qmail",
                _v("qmail_version", "2020Q2"),
                "mail",
                "Secure, reliable, efficient, simple, and fast MTA",
                (
                    "daemontools>=0.76",
                    "checkpassword>=0.90nb1",
                    "ucspi-ssl>=0.999.10.11nb2",
                    "libidn2>=2.0",
                    "libsrs2>=1.0.18",
                    "syncdir>=1.0",
                ),
            ),
            Package(
                "qmail-run",
                _v("qmail_run_version", "2020Q2"),
                "mail",
                "Configures qmail to receive and deliver mail",
                (
                    "greetdelay>=0.1",
                    "pkg_alternatives>=1.5",
                    "qmail>=1.03nb42",
                    "qmail-acceptutils>=20181228",
                    "qmail-qfilter>1.5nb1",
                    "qmail-rejectutils>=20181230",
                    "greylisting-spp>=0.4",
                    "qmail-spp-spf>=0.1",
                ),
            ),
            Package("daemontools", "0.76nb2", "sysutils", "Service-monitoring and logging tools"),
            Package(
                "ucspi-ssl",
                "0.999.10.11nb3",
                "net",
                "Command-line tools for building SSL client-server applications",
            ),
            Package(
                "ucspi-tcp6",
                "1.10.7nb1",
                "net",
                "Command-line tools for building IPv6 client-server applications",
            ),
            Package(
                "ucspi-tcp",
                "0.88nb8",
                "net",
                "Command-line tools for building TCP client-server applications",
            ),
            Package("checkpassword", "0.90nb2", "sysutils", "Simple password-checking interface"),
            Package(
                "checkpassword-pam",
                "0.99nb3",
                "sysutils",
                "Checkpassword-compatible authentication via PAM",
            ),
            Package(
                "libidn2",
                "2.3.0",
                "devel",
                "Implementation of IDNA2008 internationalized domain names",
                ("libunistring>=0.9.10",),
            ),
            Package("libunistring", "0.9.10", "textproc", "Unicode string library"),
            Package("libsrs2", "1.0.18nb1", "mail", "Sender Rewriting Scheme library"),
            Package("syncdir", "1.1", "devel", "Synchronous link/rename/unlink/open for qmail"),
            Package("libtai", "0.60nb5", "devel", "Library for TAI64 time stamps"),
            Package("greetdelay", "0.2", "mail", "SMTP greeting delay for qmail"),
            Package(
                "pkg_alternatives",
                "1.7",
                "pkgtools",
                "Generic wrappers for programs with similar interfaces",
            ),
            # mail/qmail-acceptutils Makefile 1.6 (2018-11-21) .. 1.14 (2020-11-19):
            # ACPATCHVERSION 20181228 from 2018-12 on, DEPENDS mess822 and ucspi-ssl.
            Package(
                "qmail-acceptutils",
                "20181228",
                "mail",
                "Offer TLS and SMTP AUTH with new features and no patch conflicts",
                ("mess822-[0-9]*", "ucspi-ssl-[0-9]*"),
            ),
            Package(
                "mess822",
                _v("mess822_version", "2020Q2"),
                "mail",
                "Library and tools for parsing Internet mail messages",
            ),
            Package(
                "qmail-qfilter", "2.1nb2", "mail", "Front end for qmail-queue that runs filters"
            ),
            # mail/qmail-rejectutils Makefile 1.5 (2019-01-01): RJPATCHVERSION 20181230,
            # PKGREVISION 1; its COMMENT.
            Package(
                "qmail-rejectutils",
                "20181230nb1",
                "mail",
                "Reject messages at SMTP according to multiple criteria",
            ),
            Package("greylisting-spp", "0.4nb1", "mail", "Greylisting plugin for qmail-spp"),
            Package("qmail-spp-spf", "0.1nb3", "mail", "SPF plugin for qmail-spp"),
            Package(
                "pkgin",
                _v("pkgin_version", "2020Q2"),
                "pkgtools",
                "Apt / yum like tool for managing pkgsrc binary packages",
            ),
            # security/doas Makefile,v 1.7 (2020-01-01): slicer69's doas 6.2p4, PAM
            Package("doas", "6.2p4", "security", "Execute commands as another user"),
        )
        + PYTHON_PACKAGES,
        tcprules_layout="control",
        preinstalled=("pkgin",),
    ),
}

DEFAULT_FLAVOR = "2017Q1"


def get_flavor(name: str) -> Flavor:
    try:
        return FLAVORS[name]
    except KeyError:
        raise ValueError(
            f"unknown flavor {name!r}: choose one of {', '.join(sorted(FLAVORS))}"
        ) from None
