"""The pkgsrc source tree of the simulated host, and what a source build of it needs.

``install_tree`` writes ``/usr/pkgsrc`` (a small ``mk/``, ``mail/qmail``,
``mail/qmail-run`` and a directory for every package of the flavor).  The
functions below it are the per-package build facts that ``make`` uses: distfiles,
patches per option, DEPENDS per option, and the account-name checks.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from . import options as opt
from .flavors import ACCOUNT_DEFAULTS, UNVERIFIED, Flavor, OptionSet

PKGSRCDIR = "/usr/pkgsrc"
DISTDIR = f"{PKGSRCDIR}/distfiles"
MASTER_SITE_BACKUP = "ftp://ftp.NetBSD.org/pub/pkgsrc/distfiles/"
MAINTAINER = "schmonz@NetBSD.org"

#: Where each distfile comes from (facts §1; options.mk 1.38.2.1 and 1.69).
SITES = {
    "qmail-1.03.tar.gz": "http://qmail.org/",
    "netqmail-1.06.tar.gz": "http://qmail.org/",
    "notqmail-1.07.tar.gz": "https://github.com/notqmail/notqmail/releases/download/notqmail-1.07/",
    "badrcptto.patch": "http://patch.be/qmail/",
    "qmail-103.patch": "http://www.ckdhr.com/ckd/",
    "qmail-1.03-maildir-uniq.patch": "http://www.memoryhole.net/qmail/",
    "outgoingip.patch": "http://www.qmail.org/",
    "qmail-srs-0.8.patch": "http://www.mco2.com.br/opensource/download/qmail/",
    "qregex-20060423.patch": "http://www.arda.homeunix.net/store/qmail/",
    "qmail-smtpd.patch": "http://www.soffian.org/downloads/qmail/",
    "qmail-1.03-realrcptto-2006.12.10.patch": "http://code.dogmap.org/qmail/",
    "netqmail-1.05-tls-smtpauth-20070417.patch": "https://raw.githubusercontent.com/shupp/legacy-qmail-related/master/patches/",
    "qmail-smtpd-viruscan-1.3.patch": "http://www.qmail.org/",
    "qmail-smtpd-viruscan-logging.patch": MASTER_SITE_BACKUP,
    "notqmail-1.07-tls-20200107-onlyremote-20200202.patch": "https://schmonz.com/qmail/tlsonlyremote/",
    "notqmail-1.07-tls-20190517-qmailremote-20190819.patch": "https://schmonz.com/qmail/remote/",
    "qmail-spp-0.42.tar.gz": "https://downloads.sourceforge.net/project/qmail-spp/",
    "netqmail-1.06-tls-20160918-onlyremote-20181107-spp-20181109-smtputf8-20181109.patch": "https://schmonz.com/qmail/eai/",
    "qmail-queue-custom-error-v2.netqmail-1.05.patch": "https://notes.sagredo.eu/files/qmail/patches/",
    "notqmail-1.07-tls-20190517-qmailremote-20190819-srs-20190819.patch": "https://schmonz.com/qmail/srs/",
    "netqmail-1.05-TAI-leapsecs.patch": "https://su.bze.ro/software/",
}

#: 2017Q1 qmail: option -> distribution patches (options.mk 1.38.2.1).
PATCHES_2017: dict[str, tuple[str, ...]] = {
    "qmail-badrcptto": ("badrcptto.patch",),
    "qmail-bigdns": ("qmail-103.patch",),
    "qmail-maildiruniq": ("qmail-1.03-maildir-uniq.patch",),
    "qmail-outgoingip": ("outgoingip.patch",),
    "qmail-srs": ("qmail-srs-0.8.patch",),
    "qmail-qregex": ("qregex-20060423.patch",),
    "qmail-rcptcheck": ("qmail-smtpd.patch",),
    "qmail-realrcptto": ("qmail-1.03-realrcptto-2006.12.10.patch",),
    "sasl": ("netqmail-1.05-tls-smtpauth-20070417.patch",),
    "qmail-viruscan": ("qmail-smtpd-viruscan-1.3.patch", "qmail-smtpd-viruscan-logging.patch"),
}
#: 2020Q2 qmail: patches always applied (Makefile 1.118), then per option (1.69).
ALWAYS_2020 = (
    "notqmail-1.07-tls-20200107-onlyremote-20200202.patch",
    "qmail-103.patch",
    "qmail-1.03-maildir-uniq.patch",
    "outgoingip.patch",
    "notqmail-1.07-tls-20190517-qmailremote-20190819.patch",
    "qmail-spp-0.42.tar.gz",
)
PATCHES_2020: dict[str, tuple[str, ...]] = {
    "eai": ("netqmail-1.06-tls-20160918-onlyremote-20181107-spp-20181109-smtputf8-20181109.patch",),
    "qmail-customerror": ("qmail-queue-custom-error-v2.netqmail-1.05.patch",),
    "qmail-srs": ("notqmail-1.07-tls-20190517-qmailremote-20190819-srs-20190819.patch",),
    "tai-system-clock": ("netqmail-1.05-TAI-leapsecs.patch",),
}

RCD_SCRIPTS = ("qmail", "qmailofmipd", "qmailpop3d", "qmailqread", "qmailsend", "qmailsmtpd")
#: Account variables substituted into qmail-run's rc.d scripts (facts §3.1).
QMAIL_RUN_VARS = ("QMAIL_DAEMON_USER", "QMAIL_LOG_USER", "QMAIL_SEND_USER", "QMAIL_QMAIL_GROUP")


def pkgpath(flavor: Flavor, base: str) -> str:
    """``category/base`` of a package of the flavor."""
    return f"{flavor.package(base).category}/{base}"


def option_set(flavor: Flavor, base: str) -> OptionSet | None:
    """The package's PKG_OPTIONS vocabulary (None: no options framework)."""
    if base == "qmail":
        return flavor.qmail_options
    if base == "qmail-run" and flavor.qmail_run_options.supported:
        return flavor.qmail_run_options
    return None


def distfiles(flavor: Flavor, base: str, options) -> list[str]:
    """DISTFILES of a build with ``options``."""
    if base == "qmail":
        if flavor.name == "2017Q1":
            return ["netqmail-1.06.tar.gz" if "qmail-netqmail" in options else "qmail-1.03.tar.gz"]
        return ["notqmail-1.07.tar.gz"]
    if base == "qmail-run":
        return []
    version = re.sub(r"nb\d+$", "", flavor.package(base).version)
    return [f"{base}-{version}.tar.gz"]


def patchfiles(flavor: Flavor, base: str, options) -> list[str]:
    """PATCHFILES (distribution patches) of a build with ``options``, in order."""
    if base != "qmail":
        return []
    if flavor.name == "2017Q1":
        table, patches = PATCHES_2017, []
    else:
        table, patches = PATCHES_2020, list(ALWAYS_2020)
    for name in sorted(table):
        if name in options:
            patches.extend(table[name])
    return patches


def dep_base(pattern: str) -> str:
    """The package a DEPENDS pattern is satisfied by (the last alternative's base)."""
    last = pattern.strip("{}").split(",")[-1]
    return re.split(r"[<>=\[]", last)[0].rstrip("-")


def depends(flavor: Flavor, base: str, options) -> list[str]:
    """DEPENDS patterns (with buildlinked libraries) of a build with ``options``:
    the same list the package's +CONTENTS records (repo.depends)."""
    from .repo import depends as package_depends

    return list(package_depends(flavor, base, sorted(options)))


def fail_reasons(
    flavor: Flavor, base: str, resolution: opt.Resolution | None, qvars: dict
) -> list[str]:
    """PKG_FAIL_REASON lines: option errors, bad account names, queue under QMAILDIR."""
    reasons = list(resolution.errors) if resolution else []
    if base not in ("qmail", "qmail-run"):
        return reasons
    names = ACCOUNT_DEFAULTS if base == "qmail" else QMAIL_RUN_VARS
    for name in names:
        value = qvars[name]
        if not re.match(UNVERIFIED["name_rule"], value):
            reasons.append(UNVERIFIED["bad_account_name"].format(var=name, name=value))
    if base == "qmail" and qvars["QMAIL_QUEUE_DIR"].startswith(qvars["QMAILDIR"] + "/"):
        reasons.append(f"QMAIL_QUEUE_DIR must not be under {qvars['QMAILDIR']}")
    return reasons


def build_vars(base: str, qvars: dict) -> dict:
    """The QMAIL_* values a build of ``base`` uses (empty for other packages)."""
    return dict(qvars) if base in ("qmail", "qmail-run") else {}


def fake_digest(name: str, algorithm: str) -> str:
    """A stable checksum for a distfile name (the simulated distfiles have no bytes)."""
    return hashlib.new(algorithm, f"pkgsrc distfile {name}".encode()).hexdigest()


def fake_size(name: str) -> int:
    return 20000 + int(fake_digest(name, "md5")[:5], 16) % 400000


# --- the tree ----------------------------------------------------------------------


def _distinfo(names: list[str], patches: dict) -> str:
    lines = ["$NetBSD$", ""]
    for name in sorted(names):
        lines += [
            f"SHA1 ({name}) = {fake_digest(name, 'sha1')}",
            f"RMD160 ({name}) = {fake_digest(name, 'md5')}{fake_digest(name, 'sha1')[:8]}",
            f"SHA512 ({name}) = {fake_digest(name, 'sha512')}",
            f"Size ({name}) = {fake_size(name)} bytes",
        ]
    for name in sorted(patches):
        lines.append(f"SHA1 ({name}) = {fake_digest(patches[name], 'sha1')}")
    return "\n".join(lines) + "\n"


def _all_distfiles(flavor: Flavor, base: str) -> list[str]:
    opts = option_set(flavor, base)
    every = set(opt.supported(opts)) if opts else set()
    names = set(distfiles(flavor, base, every)) | set(distfiles(flavor, base, ()))
    return sorted(names | set(patchfiles(flavor, base, every)))


def _default_words(flavor: Flavor, base: str) -> Iterable[str]:
    """The options a package builds with by default (none without an options framework)."""
    opts = option_set(flavor, base)
    return opt.defaults(opts) if opts else ()


def _makefile(flavor: Flavor, base: str) -> str:
    pkg = flavor.package(base)
    version, _, rev = pkg.version.partition("nb")
    dist = distfiles(flavor, base, _default_words(flavor, base))
    lines = ["# $NetBSD$", "#", ""]
    if dist:
        lines.append(f"DISTNAME=\t\t{dist[0].removesuffix('.tar.gz')}")
    lines.append(f"PKGNAME=\t\t{base}-{version}")
    if rev:
        lines.append(f"PKGREVISION=\t\t{rev}")
    lines += [f"CATEGORIES=\t\t{pkg.category}", ""]
    lines += [
        f"MAINTAINER=\t\t{MAINTAINER if base.startswith('qmail') else 'pkgsrc-users@NetBSD.org'}",
        f"COMMENT=\t\t{pkg.comment}",
        "",
    ]
    for dep in depends(flavor, base, _default_words(flavor, base)):
        path = pkgpath(flavor, dep_base(dep))
        lines.append(f"DEPENDS+=\t\t{dep}:../../{path}")
    if base == "qmail":
        lines += [
            "",
            "PKG_SYSCONFSUBDIR=\tqmail",
            "BUILD_DEFS+=\t\tQMAILDIR QMAIL_QUEUE_DIR QMAIL_QUEUE_EXTRA",
            "BUILD_DEFS+=\t\t" + " ".join(ACCOUNT_DEFAULTS),
            "",
            "PKG_GROUPS=\t\t${QMAIL_QMAIL_GROUP} ${QMAIL_NOFILES_GROUP}",
        ]
    if base == "qmail-run":
        lines += [
            "",
            "BUILD_DEFS+=\t\t" + " ".join(QMAIL_RUN_VARS),
            "RCD_SCRIPTS=\t\t" + " ".join(RCD_SCRIPTS),
        ]
    if option_set(flavor, base):
        lines += ["", '.include "options.mk"']
    if base in (
        "qmail",
        "daemontools",
        "ucspi-tcp",
        "queue-fix",
        "checkpassword",
        "mess822",
        "qmail-qfilter",
    ):
        lines.append('.include "../../mk/djbware.mk"')
    lines.append('.include "../../mk/bsd.pkg.mk"')
    return "\n".join(lines) + "\n"


def _options_mk(flavor: Flavor, base: str) -> str:
    opts = option_set(flavor, base)
    assert opts is not None  # only packages with an options framework have options.mk
    lines = ["# $NetBSD$", "", f"PKG_OPTIONS_VAR=\tPKG_OPTIONS.{base}"]
    groups = opts.optional_groups
    if groups:
        lines.append(f"PKG_OPTIONS_OPTIONAL_GROUPS=\t{' '.join(groups)}")
        for name, members in groups.items():
            lines.append(f"PKG_OPTIONS_GROUP.{name}=\t{' '.join(members)}")
    own = [o for o in opts.supported if o != "djbware-errno-hack"]
    lines.append(f"PKG_SUPPORTED_OPTIONS+=\t{' '.join(own)}")
    suggested = [o for o in opts.suggested if o != "djbware-errno-hack"]
    if suggested:
        lines.append(f"PKG_SUGGESTED_OPTIONS+=\t{' '.join(suggested)}")
    lines += ["", '.include "../../mk/bsd.options.mk"', ""]
    for name in sorted(set(own) | {m for ms in groups.values() for m in ms}):
        lines.append(f".if !empty(PKG_OPTIONS:M{name})")
        for patch in (PATCHES_2017 if flavor.name == "2017Q1" else PATCHES_2020).get(name, ()):
            lines.append(f"PATCHFILES+=\t\t{patch}")
            lines.append(f"SITES.{patch}=\t{SITES.get(patch, MASTER_SITE_BACKUP)}")
        for dep in set(depends(flavor, base, {name})) - set(depends(flavor, base, set())):
            lines.append(f"DEPENDS+=\t\t{dep}")
        if opts.implies.get(name):
            lines.append(f"PKG_OPTIONS+=\t\t{opts.implies[name]}")
        lines += [".endif", ""]
    return "\n".join(lines)


QMAIL_DESCR = """\
qmail is a secure, reliable, efficient, simple message transfer agent.
It is meant as a replacement for the entire sendmail-binmail system on
typical Internet-connected UNIX hosts.

This package installs the programs only; to start the services, install
mail/qmail-run as well.
"""
QMAIL_RUN_DESCR = """\
qmail-run configures qmail to receive and deliver mail: rc.d scripts for
qmail-send, qmail-smtpd, qmail-pop3d and qmail-qread, a mailer.conf to
make qmail the system MTA, and sensible default control files.
"""
QMAIL_MESSAGE = """\
===========================================================================
$NetBSD$

qmail can be enabled in many ways.  A popular, well-documented one is
Dave Sill's "Life with qmail" (http://www.lifewithqmail.org/lwq.html).

To have pkgsrc set qmail up for you instead, install mail/qmail-run.

Documentation is in ${DOCDIR}, examples in ${EGDIR}.
===========================================================================
"""
QMAIL_MESSAGE_SRS = """\
===========================================================================
$NetBSD$

SRS (Sender Rewriting Scheme) needs configuration before it is used.
Read ${DOCDIR}/README.srs.
===========================================================================
"""
QMAIL_RUN_MESSAGE = """\
===========================================================================
$NetBSD$

To make qmail your MTA, stop postfix and set postfix=NO in /etc/rc.conf,
replace /etc/mailer.conf with ${PREFIX}/share/examples/qmail-run/mailer.conf,
check the files in ${PKG_SYSCONFDIR}, then set qmailsend=YES (and
qmailsmtpd=YES, qmailpop3d=YES, qmailqread=YES as wanted) in /etc/rc.conf.
===========================================================================
"""

MK_FILES = {
    "bsd.pkg.mk": "# $NetBSD$\n#\n# The main pkgsrc infrastructure (simulated: see /usr/bin/make).\n",
    "bsd.prefs.mk": "# $NetBSD$\n#\n# Reads /etc/mk.conf and mk/defaults/mk.conf.\n",
    "bsd.options.mk": "# $NetBSD$\n#\n# PKG_OPTIONS processing (simulated: see /usr/bin/make).\n",
    "djbware.mk": "# $NetBSD$\n#\n# Common settings for D. J. Bernstein's software.\n",
    "defaults/mk.conf": (
        "# $NetBSD$\n#\n# Default settings for pkgsrc; override them in /etc/mk.conf.\n\n"
        "PKG_DEFAULT_OPTIONS?=\t# empty\nPKG_RCD_SCRIPTS?=\tno\n"
        + "".join(
            f"{k}?=\t\t{v if k != 'QMAIL_ROOT_USER' else '${REAL_ROOT_USER}'}\n"
            for k, v in ACCOUNT_DEFAULTS.items()
        )
        + "QMAILDIR?=\t\t${VARBASE}/qmail\nQMAIL_QUEUE_DIR?=\t${VARBASE}/spool/qmail\n"
        "QMAIL_QUEUE_EXTRA?=\t# empty\n"
    ),
}


def _descriptions(flavor: Flavor) -> str:
    """mk/defaults/options.description: the lines of the flavor's qmail options."""
    names: set[str] = set()
    for base in ("qmail", "qmail-run"):
        opts = option_set(flavor, base)
        if opts:
            names.update(opt.supported(opts))
    return "".join(
        f"{name}\t{OPTION_DESCRIPTIONS[name]}\n"
        for name in sorted(names)
        if name in OPTION_DESCRIPTIONS
    )


#: mk/defaults/options.description: what follows ``name<TAB>`` on each line, extra
#: alignment tabs included (they decide show-options' spacing).  From the revision at
#: commit 007ece1b (2017, before qmail-remote; it has every 2017Q1 qmail option), plus
#: qmail-customerror as the pkgsrc README page shows it (alignment: names of 16 and
#: more characters get one tab in that file).
OPTION_DESCRIPTIONS = {
    "djbware-errno-hack": "Patch to #include <errno.h> for correctness.",
    "eai": "\t\tEnable EAI (Email Address Internationalization) support.",
    "inet6": "\t\tEnable support for IPv6.",
    "pam": "\t\tEnable PAM support.",
    "sasl": "\t\tEnable SASL support.",
    "syncdir": "\t\tForce synchronous link() and related syscalls.",
    "tai-system-clock": UNVERIFIED["tai_system_clock_description"],
    "tls": "\t\tEnable TLS support.",
    "qmail-badrcptto": "\tPatch to SMTP-reject particular envelope recipients.",
    "qmail-bigdns": "\tPatch to handle oversized responses to MX queries.",
    "qmail-customerror": "Patch to return custom messages from queue filters.",
    "qmail-maildiruniq": "Patch to avoid name collisions when PIDs recycle fast.",
    "qmail-netqmail": "\tPatch collection prepared by respected list members.",
    "qmail-outgoingip": "Patch to force a particular source IP address.",
    "qmail-qregex": "\tPatch to SMTP-reject customizable patterns.",
    "qmail-rcptcheck": "\tPatch to SMTP-reject via a script or program.",
    "qmail-realrcptto": "Patch to SMTP-reject nonexistent recipients.",
    "qmail-run-ofmipd": "Enable dependency on mess822 for ofmipd service.",
    "qmail-srs": "\tPatch to implement Sender Rewriting Scheme with libsrs2.",
    "qmail-viruscan": "\tPatch to SMTP-reject certain types of MIME attachments.",
}


def install_tree(paths, flavor: Flavor) -> None:
    """Write /usr/pkgsrc: mk/, mail/qmail, mail/qmail-run and every dependency dir."""
    root = paths.host_path(PKGSRCDIR)

    def write(rel: str, text: str) -> None:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    for rel, text in MK_FILES.items():
        write(f"mk/{rel}", text)
    write("mk/defaults/options.description", _descriptions(flavor))
    (root / "distfiles").mkdir(parents=True, exist_ok=True)
    (root / "packages" / "All").mkdir(parents=True, exist_ok=True)
    for pkg in flavor.packages:
        base, directory = pkg.base, pkgpath(flavor, pkg.base)
        write(f"{directory}/Makefile", _makefile(flavor, base))
        write(
            f"{directory}/DESCR",
            {"qmail": QMAIL_DESCR, "qmail-run": QMAIL_RUN_DESCR}.get(base, pkg.comment + ".\n"),
        )
        write(f"{directory}/PLIST", "@comment $NetBSD$\n" + _plist(base))
        dist = _all_distfiles(flavor, base)
        patches = {f"patch-{i:02d}": f"{base}-{i}" for i in range(1, 3)} if base == "qmail" else {}
        if dist or patches:
            write(f"{directory}/distinfo", _distinfo(dist, patches))
        for name in patches:
            write(f"{directory}/patches/{name}", f"$NetBSD$\n\nLocal pkgsrc fix {name}.\n")
        if option_set(flavor, base):
            write(f"{directory}/options.mk", _options_mk(flavor, base))
    write("mail/qmail/MESSAGE", QMAIL_MESSAGE)
    if flavor.name == "2017Q1":
        write("mail/qmail/MESSAGE.srs", QMAIL_MESSAGE_SRS)
    write("mail/qmail/files/README.pkgsrc", "qmail in pkgsrc: see mail/qmail-run.\n")
    write("mail/qmail/files/README.srs", "Configuring SRS: srs_domain, srs_secrets.\n")
    write("mail/qmail-run/MESSAGE", QMAIL_RUN_MESSAGE)
    _qmail_run_files(flavor, write)


def _qmail_run_files(flavor: Flavor, write) -> None:
    from .rcd import qmail_run_scripts

    placeholders = {name: f"@{name}@" for name in ACCOUNT_DEFAULTS}
    for name, text in qmail_run_scripts(flavor, placeholders).items():
        write(f"mail/qmail-run/files/{name}.sh", text)
    write(
        "mail/qmail-run/files/mailer.conf",
        "sendmail\t@PREFIX@/bin/sendmail\nsend-mail\t@PREFIX@/bin/sendmail\n"
        "mailq\t\t@PREFIX@/bin/qmail-qread\n",
    )


def _plist(base: str) -> str:
    from .programs import PACKAGE_PROGRAMS

    return "".join(f"{path}\n" for path in sorted(PACKAGE_PROGRAMS.get(base, {})))
