"""The binary package repository of the simulated host, and its bootstrap packages.

Every package of a flavor is built as a real pkgsrc .tgz (facts §7.1, §7.3) into
``flavor.repo_dir`` with a ``pkg_summary.gz`` for pkgin; :func:`build_package` is the
same builder for one package with a chosen option set and account names (the
pkgsrc source build uses it inside the sandbox).
"""

from __future__ import annotations

import gzip
import os
import time
from pathlib import Path

from . import pkgscripts, rcd
from .flavors import (
    ACCOUNT_DEFAULTS,
    LOCALBASE,
    PKG_SYSCONFDIR,
    PYTHON_PKG,
    PYVERSION,
    QMAIL_QUEUE_DIR,
    QMAILDIR,
    UNVERIFIED,
)
from .layout import PKG_PYTHON
from .pkgdb import PkgDB, best, pkg_match
from .pkgfmt import (
    Contents,
    PackageFile,
    PackageReader,
    emit_build_info,
    emit_contents,
    md5,
    write_package,
)
from .programs import package_programs, stub_text

#: Per flavor: toolchain and pkg_install of the build machines (UNVERIFIED data).
BUILD_ENV = {
    "2017Q1": {
        "CC_VERSION": "gcc-4.8.5",
        "PKGTOOLS_VERSION": "20160410",
        "BUILD_DATE": "2017-04-20 11:02:37 +0000",
        "BUILD_HOST": "NetBSD b47.netbsd.org 7.1 NetBSD 7.1 (GENERIC.201703111743Z) amd64",
    },
    "2020Q2": {
        "CC_VERSION": "gcc-7.4.0",
        "PKGTOOLS_VERSION": "20191008",
        "BUILD_DATE": "2020-07-02 19:41:08 +0000",
        "BUILD_HOST": "NetBSD b47.netbsd.org 9.0 NetBSD 9.0 (GENERIC) #0: "
        "Fri Feb 14 00:06:28 UTC 2020  "
        "mkrepro@mkrepro.NetBSD.org:/usr/src/sys/arch/amd64/compile/"
        "GENERIC amd64",
    },
}
#: Nominal installed sizes in KB (for +SIZE_PKG, download pacing and pkgin's totals).
NOMINAL_KB = {
    "qmail": 1480,
    "qmail-run": 96,
    "daemontools": 212,
    "ucspi-tcp": 312,
    "ucspi-tcp6": 402,
    "ucspi-ssl": 688,
    "queue-fix": 48,
    "libidn2": 390,
    "libunistring": 1870,
    "pkgin": 236,
    "mess822": 420,
}
HOMEPAGES = {
    "qmail": "https://schmonz.com/qmail/",
    "qmail-run": "https://schmonz.com/qmail/",
    "pkgin": "http://pkgin.net/",
}
REPO_CONF = "/usr/pkg/etc/pkgin/repositories.conf"


def default_build_vars() -> dict:
    return {
        **ACCOUNT_DEFAULTS,
        "QMAILDIR": QMAILDIR,
        "QMAIL_QUEUE_DIR": QMAIL_QUEUE_DIR,
        "QMAIL_QUEUE_EXTRA": "",
    }


def _options(flavor, base: str, options) -> list[str]:
    if options is not None:
        return sorted(set(options))
    if base == "qmail":
        return sorted(flavor.qmail_options.suggested)
    if base == "qmail-run":
        return sorted(flavor.qmail_run_options.suggested)
    return []


def depends(flavor, base: str, options: list[str]) -> tuple[str, ...]:
    """DEPENDS patterns of a package built with ``options`` (facts §1, §2)."""
    if base == "qmail" and flavor.name == "2017Q1":
        deps = ["daemontools>=0.76", "queue-fix>=1.4nb1", "ucspi-tcp>=0.88"]
        deps += ["libsrs2>=1.0.18"] * ("qmail-srs" in options)
        return tuple(deps + ["syncdir>=1.0"] * ("syncdir" in options))
    if base == "qmail":
        deps = [
            "daemontools>=0.76",
            "checkpassword-pam>=0.99nb1" if "pam" in options else "checkpassword>=0.90nb1",
        ]
        if "tls" in options:
            deps.append("ucspi-ssl>=0.999.10.11nb2")
        elif "inet6" in options:
            deps.append("ucspi-tcp6>=1.10.7nb1")
        else:
            deps.append("{ucspi-tcp6>=1.10.7nb1,ucspi-tcp>=0.88}")
        for option, dep in (
            ("eai", "libidn2>=2.0"),
            ("qmail-srs", "libsrs2>=1.0.18"),
            ("syncdir", "syncdir>=1.0"),
            ("tai-system-clock", "libtai>=0.60nb5"),
        ):
            if option in options:
                deps.append(dep)
        return tuple(deps)
    if base == "qmail-run" and flavor.name == "2017Q1":
        deps = ["qmail>=1.03nb8", "qmail-qfilter>1.5nb1"]
        for option, dep in (
            ("qmail-run-ofmipd", "mess822>=0.58"),
            ("sasl", "spamdyke>=4.0"),
            ("tls", "stunnel>=4.0"),
        ):
            if option in options:
                deps.append(dep)
        return tuple(deps)
    if base == "ucspi-ssl":
        return ("ucspi-tcp6>=1.10.7nb1",)  # tcprules for the cdbs (UNVERIFIED)
    return flavor.package(base).depends


def _blddep(flavor, pattern: str) -> str:
    names = [p.pkgname for p in flavor.packages if pkg_match(pattern, p.pkgname)]
    return best(names) or pattern


def _build_info(flavor, base: str, options: list[str], build_vars: dict, local_host) -> dict:
    pkg = flavor.package(base)
    env = BUILD_ENV[flavor.name]
    info = {
        "ABI": "",
        "CATEGORIES": pkg.category,
        "CC_VERSION": env["CC_VERSION"],
        "HOMEPAGE": HOMEPAGES.get(
            base,
            f"https://cdn.netbsd.org/pub/pkgsrc/current/pkgsrc/{pkg.category}/{base}/README.html",
        ),
        "LICENSE": "public-domain",
        "LOCALBASE": LOCALBASE,
        "MACHINE_ARCH": "x86_64",
        "MACHINE_GNU_ARCH": "x86_64",
        "MAINTAINER": "pkgsrc-users@NetBSD.org",
        "OBJECT_FMT": "ELF",
        "OPSYS": "NetBSD",
        "OS_VERSION": flavor.netbsd_release,
        "PKGINFODIR": "info",
        "PKGMANDIR": "man",
        "PKGPATH": f"{pkg.category}/{base}",
        "PKGTOOLS_VERSION": env["PKGTOOLS_VERSION"],
        "PKG_SYSCONFBASEDIR": "/usr/pkg/etc",
        "PKG_SYSCONFDIR": "/usr/pkg/etc",
        "VARBASE": "/var",
        "BUILD_DATE": time.strftime("%Y-%m-%d %H:%M:%S +0000", time.gmtime())
        if local_host
        else env["BUILD_DATE"],
        "BUILD_HOST": local_host or env["BUILD_HOST"],
    }
    if base in ("qmail", "qmail-run"):
        info.update(build_vars)
        info["MAINTAINER"] = "schmonz@NetBSD.org"
        info["PKG_SYSCONFDIR"] = PKG_SYSCONFDIR
        info["PKG_OPTIONS"] = " ".join(options)
        if base == "qmail" and flavor.name != "2017Q1":
            info["QMAILPATCHES"] = "bigdns maildiruniq outgoingip remote spp tls-remote"
            info["LICENSE"] = "public-domain AND gnu-gpl-v2"
    return info


def _text(data: str) -> bytes:
    return data.encode()


def _queue_scripts(build_vars: dict) -> dict[str, str]:
    """2019+ setup tools: instpackage (queue layout), instchown, instcheck (facts §5.4)."""
    q = build_vars["QMAIL_QUEUE_DIR"]
    qq, qs, qr = (
        build_vars[k] for k in ("QMAIL_QUEUE_USER", "QMAIL_SEND_USER", "QMAIL_REMOTE_USER")
    )
    group = build_vars["QMAIL_QMAIL_GROUP"]
    head = "#!/bin/sh\n# pkgsrc qmail setup tool\nQ=" + q + "\n"
    split = (
        "dirs=; i=0\nwhile [ $i -lt 23 ]; do\n"
        '\tdirs="$dirs $Q/mess/$i $Q/info/$i $Q/local/$i $Q/remote/$i"; i=$((i+1))\ndone\n'
    )
    return {
        "instpackage": head + split + "mkdir -p $Q/pid $Q/intd $Q/todo $Q/bounce $Q/lock $dirs\n"
        "[ -p $Q/lock/trigger ] || mkfifo $Q/lock/trigger\n"
        "[ -f $Q/lock/tcpto ] || dd if=/dev/zero of=$Q/lock/tcpto bs=1024 count=1 2>/dev/null\n"
        "touch $Q/lock/sendmutex\n",
        "instchown": head + f"chown {qq}:{group} $Q $Q/pid $Q/intd $Q/todo $Q/lock || exit 1\n"
        f"chown -R {qq}:{group} $Q/mess\n"
        f"chown -R {qs}:{group} $Q/info $Q/local $Q/remote $Q/bounce\n"
        f"chown {qr}:{group} $Q/lock/tcpto\n"
        f"chown {qs}:{group} $Q/lock/sendmutex $Q/lock/trigger\n"
        "chmod 750 $Q $Q/todo $Q/lock $Q/mess $Q/mess/*\n"
        "chmod 700 $Q/pid $Q/intd $Q/bounce $Q/info $Q/info/* $Q/local $Q/local/* "
        "$Q/remote $Q/remote/*\n"
        "chmod 644 $Q/lock/tcpto; chmod 600 $Q/lock/sendmutex; chmod 622 $Q/lock/trigger\n",
        "instcheck": head + '[ -p $Q/lock/trigger ] || echo "$Q/lock/trigger: missing"\n'
        "for d in pid intd todo bounce mess info local remote; do\n"
        '\t[ -d $Q/$d ] || echo "$Q/$d: missing"\ndone\n',
    }


def _config_fast_pkgsrc() -> str:
    """setup/config-fast-pkgsrc: config-fast's values into the defaults dir (facts §5.3)."""
    return """#!/bin/sh
# config-fast-pkgsrc: write qmail's default control files for pkgsrc
[ $# -eq 1 ] || { echo "usage: config-fast-pkgsrc fqdn" >&2; exit 100; }
fqdn="$1"
D=/usr/pkg/etc/qmail/.pkgsrc-defaults-do-not-edit
mkdir -p $D/alias
echo "$fqdn" > $D/me
echo "$fqdn" | sed 's/^\\([^\\.]*\\)\\.\\([^\\.]*\\)\\./\\2\\./' > $D/defaultdomain
echo "$fqdn" | sed 's/^.*\\.\\([^\\.]*\\)\\.\\([^\\.]*\\)$/\\1.\\2/' > $D/plusdomain
echo "$fqdn" > $D/locals
echo "$fqdn" > $D/rcpthosts
for f in postmaster mailer-daemon root; do
\techo "# pkgsrc says: replace this comment with your config" > $D/alias/.qmail-$f
done
chmod 644 $D/* $D/alias/.qmail-*
"""


MAILER_CONF = """\
# $NetBSD: mailer.conf,v 1.{rev} schmonz Exp $
#
# Execute qmail's sendmail wrapper and friends.
#
sendmail\t/usr/pkg/bin/sendmail
send-mail\t/usr/pkg/bin/sendmail
mailq\t\t/usr/pkg/bin/{mailq}
newaliases\t/usr/pkg/bin/newaliases
hoststat\t/usr/pkg/bin/qmail-tcpto
purgestat\t/usr/pkg/bin/qmail-tcpok
"""

README_PKGSRC = """\
qmail-run for pkgsrc
====================

This package runs qmail from rc.d scripts (/etc/rc.d/qmailsend, qmailsmtpd,
qmailpop3d, qmailqread, qmailofmipd, and the umbrella "qmail"), logs through
syslog, and uses NetBSD's mailwrapper instead of Life with qmail's
supervise/multilog/qmailctl.

- Local and outgoing delivery: qmailsend=YES (control/defaultdelivery).
- SMTP: qmailsmtpd=YES (control/rcpthosts, {tcprules}).
- POP3: qmailpop3d=YES.
- Queue listing for non-root users: qmailqread=YES.
- Submission: qmailofmipd=YES.
"""

README_SRS = """\
SRS for qmail (qmail-srs option)

Configure in /usr/pkg/etc/qmail/control:
  srs_domain     the domain used for rewritten senders, e.g. srs.example.org
  srs_secrets    one secret per line (first is used for signing)
Add srs.example.org to rcpthosts, add "srs.example.org:srs" to
virtualdomains, and create alias/.qmail-srs-default containing
  | /usr/pkg/bin/srsfilter
"""


def _files(flavor, base: str, options: list[str], build_vars: dict) -> list:
    pkg = flavor.package(base)
    files = [
        (path, _text(stub_text(program)), 0o555)
        for path, program in sorted(package_programs(base, options).items())
    ]
    files.append((f"share/doc/{base}/README", _text(f"{pkg.comment}.\n"), 0o444))
    if base == PYTHON_PKG:  # the machine's interpreter (modules: its site-packages)
        files.append(
            (f"bin/python{PYVERSION}", _text(f'#!/bin/sh\nexec {PKG_PYTHON} "$@"\n'), 0o555)
        )
    if base == "checkpassword" and flavor.name != "2017Q1":
        # ALTERNATIVES: bin/nbcheckpassword -> checkpassword (pkg_alternatives' wrapper)
        files.append(("bin/nbcheckpassword", _text(stub_text("nbcheckpassword")), 0o555))
    if base == "qmail":
        for name in ("home", "proc", "binm1"):
            files.append(
                (
                    f"share/examples/qmail/boot/{name}",
                    _text(
                        f"#!/bin/sh\n# qmail boot script: {name}\n"
                        'exec env - PATH="/var/qmail/bin:$PATH" qmail-start '
                        "./Mailbox splogger qmail\n"
                    ),
                    0o755,
                )
            )
        files.append(
            (
                "man/man8/qmail-send.8",
                _text(
                    ".TH qmail-send 8\n.SH NAME\nqmail-send \\- deliver mail "
                    "messages from the queue\n"
                ),
                0o444,
            )
        )
        if "qmail-srs" in options:
            files.append(("share/doc/qmail/README.srs", _text(README_SRS), 0o444))
        if flavor.name != "2017Q1":
            files.append(
                ("share/qmail/setup/config-fast-pkgsrc", _text(_config_fast_pkgsrc()), 0o555)
            )
            for name, text in _queue_scripts(build_vars).items():
                files.append((f"share/qmail/setup/{name}", _text(text), 0o555))
    if base == "qmail-run":
        for name, text in sorted(rcd.qmail_run_scripts(flavor, build_vars).items()):
            files.append((f"share/examples/rc.d/{name}", _text(text), 0o755))
        old = flavor.name == "2017Q1"
        files.append(
            (
                "share/examples/qmail-run/mailer.conf",
                _text(
                    MAILER_CONF.format(
                        rev="3" if old else "6",
                        mailq="qmail-qread" if old else "qmail-qread-client",
                    )
                ),
                0o444,
            )
        )
        files.append(
            (
                "share/doc/qmail-run/README.pkgsrc",
                _text(
                    README_PKGSRC.format(tcprules="tcp.smtp" if old else "control/tcprules/smtp")
                ),
                0o444,
            )
        )
        if not old:
            files.append(
                ("bin/ofmipd-with-user-cdb", _text(pkgscripts.OFMIPD_WITH_USER_CDB), 0o555)
            )
            for name, value in pkgscripts.QMAIL_RUN_CONTROL_DEFAULTS.items():
                body = value + pkgscripts.AUTOGEN if value else ""
                files.append((f"share/examples/qmail-run/{name}", _text(body), 0o444))
            for kind, rule in pkgscripts.TCPRULES.items():
                files.append((f"share/examples/qmail-run/tcprules-{kind}", _text(rule), 0o444))
    return files


def _scripts(flavor, base: str, options: list[str], build_vars: dict) -> dict[str, str]:
    if base == "qmail":
        return {
            "+INSTALL": pkgscripts.qmail_install(flavor, build_vars),
            "+DEINSTALL": pkgscripts.qmail_deinstall(flavor, build_vars),
            "+DISPLAY": pkgscripts.qmail_display(flavor, options, build_vars),
        }
    if base == "qmail-run":
        scripts = rcd.qmail_run_scripts(flavor, build_vars)
        return {
            "+INSTALL": pkgscripts.qmail_run_install(flavor, build_vars, scripts),
            "+DEINSTALL": pkgscripts.qmail_run_deinstall(flavor, scripts),
            "+DISPLAY": pkgscripts.qmail_run_display(flavor),
        }
    if base == "ucspi-ssl":
        return {
            "+INSTALL": pkgscripts.account_install(
                "ucspissl", "ucspissl", "sslserver privilege separation user", "/nonexistent"
            )
        }
    if base == "pkgin":
        return {
            "+DISPLAY": pkgscripts.display_text(
                "MESSAGE,v 1.3 2014/11/29 10:01:24 jperkin Exp",
                f"First steps before using pkgin:\n\n. Modify {REPO_CONF} to suit\n"
                "  your platform\n. Initialize the database:\n\n\t# pkgin update\n",
            )
        }
    return {}


def build_package(
    root: Path,
    flavor,
    base: str,
    options: list[str] | None,
    build_vars: dict | None,
    dest_dir: Path,
) -> Path:
    """Build ``<dest_dir>/<pkgname>.tgz`` of ``base`` with the given PKG_OPTIONS and QMAIL_*
    names (None: the flavor's defaults).  ``root`` is the host tree the build runs on:
    when options or names are given (a local source build), BUILD_HOST/DATE are its own."""
    pkg = flavor.package(base)
    opts = _options(flavor, base, options)
    names = {**default_build_vars(), **(build_vars or {})}
    local_host = None
    if options is not None or build_vars is not None:
        myname = Path(root) / "etc" / "myname"
        host = myname.read_text().strip() if myname.exists() else "localhost"
        local_host = f"NetBSD {host} {flavor.netbsd_release} NetBSD {flavor.netbsd_release} amd64"
    deps = depends(flavor, base, opts)
    files = _files(flavor, base, opts, names)
    contents = Contents(
        name=pkg.pkgname,
        cwd=LOCALBASE,
        pkgdeps=list(deps),
        blddeps=[_blddep(flavor, d) for d in deps],
        files=[(path, md5(data)) for path, data, _ in files],
    )
    info = _build_info(flavor, base, opts, names, local_host)
    meta = {
        "+CONTENTS": emit_contents(contents),
        "+COMMENT": pkg.comment + "\n",
        "+DESC": f"{pkg.comment}.\n\nHomepage:\n{info['HOMEPAGE']}\n",
        "+BUILD_INFO": emit_build_info(info),
        "+BUILD_VERSION": f"{pkg.category}/{base}/Makefile:\t$NetBSD: Makefile $\n",
        "+SIZE_PKG": f"{NOMINAL_KB.get(base, 64) * 1024}\n",
        **_scripts(flavor, base, opts, names),
    }
    return write_package(Path(dest_dir) / f"{pkg.pkgname}.tgz", PackageFile(meta, files))


def summary_entry(path: Path) -> str:
    """One pkg_summary(5) record of a package file."""
    with PackageReader(path) as reader:
        info, contents = reader.build_info, reader.contents
        lines = [f"PKGNAME={contents.name}"]
        lines += [f"DEPENDS={dep}" for dep in contents.pkgdeps]
        lines += [
            f"COMMENT={reader.meta['+COMMENT'].strip()}",
            f"SIZE_PKG={reader.meta['+SIZE_PKG'].strip()}",
            f"FILE_SIZE={int(reader.meta['+SIZE_PKG']) * 2 // 5}",
        ]
        for key in (
            "BUILD_DATE",
            "CATEGORIES",
            "HOMEPAGE",
            "LICENSE",
            "MACHINE_ARCH",
            "OPSYS",
            "OS_VERSION",
            "PKGPATH",
            "PKGTOOLS_VERSION",
        ):
            lines.append(f"{key}={info.get(key, '')}")
        lines.append(f"FILE_NAME={path.name}")
        lines += [f"DESCRIPTION={line}" for line in reader.meta["+DESC"].splitlines()]
    return "\n".join(lines) + "\n\n"


def build_repository(paths, flavor) -> None:
    """Build every package of the flavor into flavor.repo_dir, plus pkg_summary.gz."""
    repo = paths.host_path(flavor.repo_dir)
    repo.mkdir(parents=True, exist_ok=True)
    built = [
        build_package(paths.root, flavor, pkg.base, None, None, repo) for pkg in flavor.packages
    ]
    summary = "".join(summary_entry(path) for path in built)
    with gzip.GzipFile(repo / UNVERIFIED["pkg_summary_name"], "wb", mtime=0) as gz:
        gz.write(summary.encode())


def register(dbdir: Path, reader: PackageReader, automatic: bool = False) -> None:
    """Write the PKG_DBDIR record of a package (metadata files, +INSTALLED_INFO)."""
    db = PkgDB(dbdir)
    name = reader.contents.name
    for meta, text in reader.meta.items():
        db.write(name, meta, text)
    if automatic:
        db.set_automatic(name, True)
    for pattern in reader.contents.pkgdeps:
        dep = db.find_best(pattern)
        if dep:
            db.add_required_by(dep, name)


def preinstall(paths, flavor) -> None:
    """Register flavor.preinstalled (pkgin) as installed, as a bootstrapped host has them,
    and point pkgin's repositories.conf at the local repository."""
    repo = paths.host_path(flavor.repo_dir)
    dbdir = paths.host_path(flavor.pkg_dbdir)
    for base in flavor.preinstalled:
        with PackageReader(repo / f"{flavor.package(base).pkgname}.tgz") as reader:
            prefix = paths.host_path(reader.contents.cwd)
            for rel, data, mode in reader.files():
                target = prefix / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                os.chmod(target, mode)
            register(dbdir, reader)
    conf = paths.host_path(REPO_CONF)
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text(
        "# $NetBSD: repositories.conf $\n#\n# Pkgin repositories list\n#\n"
        "# Simply add repositories URIs one below the other\n#\n"
        "# WARNING: order matters, duplicates will not be added, if two\n"
        "# repositories hold the same package, it will be fetched from\n"
        "# the first one listed in this file.\n#\n"
        "# This file format supports the following macros:\n"
        "# $arch to define the machine hardware platform\n"
        "# $osrelease to define the release version for the operating system\n#\n"
        f"file://{flavor.repo_dir}\n"
    )
