"""make(1) in a pkgsrc package directory: the pkgsrc targets a qmail admin uses.

``cd /usr/pkgsrc/mail/qmail && make show-options | show-var VARNAME=X | fetch |
checksum | extract | patch | configure | build | install | package | replace |
deinstall | clean | show-depends``.  Settings come from ``/etc/mk.conf`` (and
``VAR=value`` arguments), options are resolved as bsd.options.mk does
(:mod:`tui.sandbox.options`), and the phases print pkgsrc's log at a realistic
pace.  Work state is kept in ``work/`` cookies as pkgsrc does, so a stale
``work/`` keeps the options it was built with until ``make clean``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from .. import faults, mkconf, pkgsrc
from .. import options as opt
from ..flavors import UNVERIFIED
from ..layout import inside_flavor, pace
from ..pkgdb import PkgDB

PKG_ADD = "/usr/sbin/pkg_add"
PKG_DELETE = "/usr/sbin/pkg_delete"
PKG_ADMIN = "/usr/sbin/pkg_admin"
PKG_DBDIR = "/var/db/pkg"
PHASES = ("fetch", "checksum", "depends", "extract", "patch", "configure", "build")
BUILD_TARGETS = set(PHASES) | {"install", "package", "replace", "package-install"}
SEPARATOR = "=" * 74
#: Seconds of bmake reading the package's Makefile and pkgsrc's mk/ files (bsd.pkg.mk,
#: bsd.prefs.mk, the compiler and tools checks) before show-options prints its first
#: line: about a second on a real host (docs/FIDELITY.md §4).  Scaled by pace().
SHOW_OPTIONS_S = 1.0


class UnknownTarget(Exception):
    """make has no rule for the target."""


class MakeError(Exception):
    """A failed target: ``lines`` go to stderr as ERROR: lines (if any)."""

    def __init__(self, *lines: str):
        super().__init__(lines)
        self.lines = lines


def say(line: str = "", delay: float = 0.0) -> None:
    print(line, flush=True)
    if delay:
        time.sleep(delay * pace())


def error(line: str) -> None:
    print(f"ERROR: {line}", file=sys.stderr, flush=True)


class Package:
    """One pkgsrc package directory as make sees it (mk.conf read, options resolved)."""

    def __init__(self, flavor, base: str, directory: str, cmdline: dict):
        self.flavor, self.base, self.dir = flavor, base, directory
        self.pkg = flavor.package(base)
        self.pkgname = self.pkg.pkgname
        self.path = pkgsrc.pkgpath(flavor, base)
        context = dict(
            mkconf.PKGSRC_CONTEXT,
            PKGPATH=self.path,
            PKGBASE=base,
            MACHINE_ARCH=flavor.machine_arch,
            OS_VERSION=flavor.netbsd_release,
        )
        self.vars = mkconf.read(context=context)
        self.vars.update(cmdline)
        self.opts = pkgsrc.option_set(flavor, base)
        self.res = None
        if self.opts:
            self.res = opt.resolve(self.opts, *mkconf.option_words(self.vars, base))
        self.qvars = mkconf.qmail_vars(self.vars)
        self.work = Path(directory) / "work"

    # -- what this build is --------------------------------------------------
    @property
    def enabled(self) -> tuple[str, ...]:
        return self.res.enabled if self.res else ()

    @property
    def warnings(self) -> tuple[str, ...]:
        """What resolving the options warned of (none without options)."""
        return self.res.warnings if self.res else ()

    def settings(self) -> dict:
        """Options and QMAIL_* names of this build: the work/ record wins (stale work)."""
        record = self.work / ".build_settings"
        if record.is_file():
            return json.loads(record.read_text())
        return {
            "options": list(self.enabled),
            "build_vars": pkgsrc.build_vars(self.base, self.qvars),
        }

    def fail_reasons(self) -> list[str]:
        return pkgsrc.fail_reasons(self.flavor, self.base, self.res, self.qvars)

    def variable(self, name: str) -> str:
        settings = self.settings()
        known = {
            "PKGNAME": self.pkgname,
            "PKGBASE": self.base,
            "PKGPATH": self.path,
            "PKGVERSION": self.pkg.version,
            "CATEGORIES": self.pkg.category,
            "COMMENT": self.pkg.comment,
            "PKG_OPTIONS": " ".join(settings["options"]),
            "PKG_OPTIONS_VAR": f"PKG_OPTIONS.{self.base}" if self.opts else "",
            "PKG_SUPPORTED_OPTIONS": " ".join(opt.supported(self.opts)) if self.opts else "",
            "PKG_SUGGESTED_OPTIONS": " ".join(self.opts.suggested) if self.opts else "",
            "DISTFILES": " ".join(pkgsrc.distfiles(self.flavor, self.base, self.enabled)),
            "PATCHFILES": " ".join(pkgsrc.patchfiles(self.flavor, self.base, self.enabled)),
            "DEPENDS": " ".join(self.depends_lines()),
            "WRKDIR": str(self.work),
            "PKG_DBDIR": PKG_DBDIR,
            "DISTDIR": pkgsrc.DISTDIR,
            "PACKAGES": f"{pkgsrc.PKGSRCDIR}/packages",
            "PKG_SYSCONFDIR": f"{mkconf.LOCALBASE}/etc"
            + ("/qmail" if self.base == "qmail" else ""),
        }
        if name in known:
            return known[name]
        if name in self.qvars:
            return self.qvars[name]
        return self.vars.get(name, "")

    def depends_lines(self) -> list[str]:
        return [
            f"{dep}:../../{pkgsrc.pkgpath(self.flavor, pkgsrc.dep_base(dep))}"
            for dep in pkgsrc.depends(self.flavor, self.base, self.settings()["options"])
        ]

    # -- cookies ---------------------------------------------------------------
    def done(self, phase: str) -> bool:
        return (self.work / f".{phase}_done").exists()

    def mark(self, phase: str) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        (self.work / f".{phase}_done").write_text("")


# --- show targets ----------------------------------------------------------------


def show_options(p: Package) -> None:
    """bsd.options.mk's show-options target (rev 1.72; see docs/FIDELITY.md §4), after
    bmake's parse of the package (SHOW_OPTIONS_S)."""
    time.sleep(SHOW_OPTIONS_S * pace())
    if not p.opts:
        say("This package does not use the options framework.")
        return
    described = Path(p.dir, "../../mk/defaults/options.description")
    text = described.read_text() if described.is_file() else ""
    say("Any of the following general options may be selected:")
    for name in opt.general(p.opts):
        say(opt.option_line(name, text))
    for group, members in p.opts.optional_groups.items():
        # echo "At most one of the following "${_grp_:Q}" options may be selected:"
        say(f"At most one of the following {group} options may be selected:")
        for name in sorted(members):
            say(opt.option_line(name, text))
    say()
    say("These options are enabled by default:")
    for line in opt.wrap_words(sorted(p.opts.suggested)):
        say(line)
    say()
    say("These options are currently enabled:")
    for line in opt.wrap_words(p.enabled):
        say(line)
    say()
    say("You can select which build options to use by setting PKG_DEFAULT_OPTIONS")
    say(f"or PKG_OPTIONS.{p.base}.")
    if p.warnings:
        say()
        for line in p.warnings:
            say(line)


def supported_options_message(p: Package) -> None:
    """The banner bsd.options.mk prints before the dependencies are installed."""
    if not p.opts:
        return
    say(SEPARATOR)
    say(f"The supported build options for {p.base} are:")
    say()
    for line in opt.wrap_words(opt.supported(p.opts)):
        say(line)
    if p.enabled:
        say()
        say("The currently selected options are:")
        say()
        for line in opt.wrap_words(p.enabled):
            say(line)
    say()
    say("You can select which build options to use by setting PKG_DEFAULT_OPTIONS")
    say("or the following variable.  Its current value is shown:")
    say()
    var = f"PKG_OPTIONS.{p.base}"
    if var in p.vars:
        say(f"\t{var} = {p.vars[var]}")
    else:
        say(f"\t{var} (not defined)")
    if p.warnings:
        say()
        for line in p.warnings:
            say(line)
    say()
    say(SEPARATOR)


# --- phases ------------------------------------------------------------------------


def fetch(p: Package) -> None:
    settings = p.settings()
    names = pkgsrc.distfiles(p.flavor, p.base, settings["options"]) + pkgsrc.patchfiles(
        p.flavor, p.base, settings["options"]
    )
    distdir = Path(pkgsrc.DISTDIR)
    for name in names:
        if (distdir / name).is_file():
            continue
        site = pkgsrc.SITES.get(name, f"{pkgsrc.MASTER_SITE_BACKUP}")
        say(f"=> Fetching {name}")
        size = pkgsrc.fake_size(name)
        say(f"=> Total size: {size} bytes")
        if faults.strike("missing-package", p.base):
            for url in dict.fromkeys((site + name, pkgsrc.MASTER_SITE_BACKUP + name)):
                say(f"Requesting {url}")
                say("ftp: Error retrieving file: `404 Not Found'", 0.3)
                print(f"fetch: Unable to fetch expected file {name}", file=sys.stderr, flush=True)
            raise MakeError()
        slow = faults.strike("slow-download", p.base)
        say(f"Requesting {site}{name}")
        seconds = float(slow.get("seconds", 20)) if slow else max(0.4, size / 250000)
        time.sleep(seconds * pace())
        kib = size / 1024
        say(
            f"100% |***********************************| {kib:6.0f} KiB  "
            f"{kib / max(seconds, 0.1):7.2f} KiB/s    00:00 ETA"
        )
        say(
            f"{size} bytes retrieved in 00:{int(seconds):02d} ({kib / max(seconds, 0.1):.2f} KiB/s)"
        )
        distdir.mkdir(parents=True, exist_ok=True)
        (distdir / name).write_text(f"simulated distfile {name}\n")


def checksum(p: Package) -> None:
    settings = p.settings()
    for name in pkgsrc.distfiles(p.flavor, p.base, settings["options"]) + pkgsrc.patchfiles(
        p.flavor, p.base, settings["options"]
    ):
        for algorithm in ("SHA1", "RMD160", "SHA512"):
            say(f"=> Checksum {algorithm} OK for {name}", 0.02)


def install_depends(p: Package, depth: int) -> None:
    say(f"===> Installing dependencies for {p.pkgname}")
    supported_options_message(p)
    for dep in pkgsrc.depends(p.flavor, p.base, p.settings()["options"]):
        found = installed(dep)
        if found:
            say(f"=> Full dependency {dep}: found {found}", 0.05)
            continue
        say(f"=> Full dependency {dep}: NOT found", 0.05)
        base = pkgsrc.dep_base(dep)
        dep_dir = f"{pkgsrc.PKGSRCDIR}/{pkgsrc.pkgpath(p.flavor, base)}"
        target = p.vars.get("DEPENDS_TARGET", "package-install")
        say(f"=> Verifying {target} for ../../{pkgsrc.pkgpath(p.flavor, base)}")
        child = Package(p.flavor, base, dep_dir, {})
        if target == "bin-install":
            bin_install(child)
        else:
            build_and_install(child, depth + 1, automatic=True)
        found = installed(dep)
        if not found:
            raise MakeError(f"Dependency {dep} of {p.pkgname} could not be installed.")
        say(f"=> Full dependency {dep}: found {found}", 0.05)


def installed(pattern: str) -> str:
    """The best installed package matching ``pattern`` (what ``pkg_info -E`` says), or ''."""
    return PkgDB.inside().find_best(pattern) or ""


def bin_install(p: Package) -> None:
    say(f"===> Binary install for {p.pkgname}")
    if run([PKG_ADD, p.pkgname]) != 0:
        raise MakeError(f"{p.pkgname}: binary package could not be installed.")
    run([PKG_ADMIN, "set", "automatic=YES", p.pkgname], quiet=True)


def extract(p: Package) -> None:
    settings = p.settings()
    say(f"===> Overriding tools for {p.pkgname}", 0.1)
    say(f"===> Extracting for {p.pkgname}", 0.5)
    p.work.mkdir(parents=True, exist_ok=True)
    (p.work / ".build_settings").write_text(json.dumps(settings) + "\n")


def patch(p: Package) -> None:
    options = p.settings()["options"]
    say(f"===> Patching for {p.pkgname}", 0.1)
    patches = pkgsrc.patchfiles(p.flavor, p.base, options)
    if patches:
        say(f"=> Applying distribution patches for {p.pkgname}", 0.1)
        for name in patches:
            say(f"=> Applying distribution patch {name}", 0.3)
    if p.base == "qmail":
        say(f"=> Applying pkgsrc patches for {p.pkgname}", 0.3)


def configure(p: Package) -> None:
    say(f"===> Creating toolchain wrappers for {p.pkgname}", 0.3)
    say(f"===> Configuring for {p.pkgname}", 0.2)
    if p.base in ("qmail", "qmail-run"):
        for what, where in (
            ("users", "auto_uids.c"),
            ("groups", "auto_uids.c"),
            ("paths", "README.*"),
        ):
            if p.base == "qmail" or what == "paths":
                say(f'=> Substituting "{what}" in {where}', 0.1)
    if p.base == "qmail":
        say("=> Modifying DJB-style config files.", 0.1)
    say("=> Checking for portability problems in extracted files", 0.2)


QMAIL_SOURCES = [
    "qmail-local",
    "qmail-lspawn",
    "qmail-getpw",
    "qmail-remote",
    "qmail-rspawn",
    "qmail-clean",
    "qmail-send",
    "qmail-start",
    "splogger",
    "qmail-queue",
    "qmail-inject",
    "predate",
    "datemail",
    "mailsubj",
    "qmail-upq",
    "qmail-showctl",
    "qmail-newu",
    "qmail-pw2u",
    "qmail-qread",
    "qmail-qstat",
    "qmail-tcpto",
    "qmail-tcpok",
    "qmail-pop3d",
    "qmail-popup",
    "qmail-qmqpc",
    "qmail-qmqpd",
    "qmail-qmtpd",
    "qmail-smtpd",
    "sendmail",
    "tcp-env",
    "qreceipt",
    "qsmhook",
    "qbiff",
    "forward",
    "preline",
    "condredirect",
    "bouncesaying",
    "except",
    "maildirmake",
    "maildir2mbox",
    "maildirwatch",
    "qail",
    "elq",
    "pinq",
    "idedit",
    "install-big",
    "install",
    "instcheck",
    "home",
    "home+df",
    "proc",
    "proc+df",
    "binm1",
    "binm1+df",
    "binm2",
    "binm2+df",
    "binm3",
    "binm3+df",
]
QMAIL_LIBS = (
    "substdio",
    "error",
    "str",
    "fs",
    "stralloc",
    "alloc",
    "getln",
    "case",
    "open",
    "lock",
    "seek",
    "wait",
    "sig",
    "fd",
    "env",
    "cdb",
    "ndelay",
    "datetime",
    "getopt",
)


def build(p: Package) -> None:
    say(f"===> Building for {p.pkgname}", 0.3)
    if p.base != "qmail":
        for unit in ("main", "util", "io"):
            say(f"cc -O2 -c {p.base.replace('-', '_')}_{unit}.c", 0.4)
        say(f"cc -o {p.base} {p.base.replace('-', '_')}_main.o", 0.3)
        return
    say("( cat warn-auto.sh; echo 'main=\"$$1\"; shift'; \\")
    say('echo exec "$$LD" \'-o "$$main" "$$main".o $${1+"$$@"}\' ) > load', 0.1)
    say("chmod 755 load", 0.1)
    for lib in QMAIL_LIBS:
        say(f"./compile {lib}.c", 0.12)
        say(f"./makelib {lib}.a {lib}.o", 0.05)
    if "syncdir" in p.settings()["options"]:
        say("=> Setting linker flags for syncdir.", 0.1)
    for name in QMAIL_SOURCES:
        say(f"./compile {name}.c", 0.14)
        say(f"./load {name} {name}.o substdio.a error.a str.a fs.a auto_qmail.o", 0.12)
    for name in ("qmail-local.8", "qmail-send.8", "qmail-smtpd.8", "qmail-control.5"):
        say(f"nroff -man {name} > {name.rsplit('.', 1)[0]}.0", 0.05)


def run(argv: list[str], quiet: bool = False) -> int:
    """Run a pkg_install tool with our stdout/stderr (or silenced)."""
    out = subprocess.DEVNULL if quiet else None
    sys.stdout.flush()
    try:
        return subprocess.run(argv, check=False, stdout=out, stderr=out).returncode
    except OSError as exc:
        if not quiet:
            print(f"make: exec({argv[0]}) failed ({exc.strerror})", file=sys.stderr)
        return 127


def stage_package(p: Package) -> Path:
    """Install into the staging area and create the binary package (work/.packages)."""
    from ..repo import build_package

    settings = p.settings()
    say(f"===> Installing for {p.pkgname}", 0.2)
    say("=> Generating pre-install file lists", 0.2)
    say("=> Creating installation directories", 0.2)
    say("=> Automatic manual page handling", 0.2)
    say("=> Generating post-install file lists", 0.2)
    say(f"=> Checking file-check results for {p.pkgname}", 0.2)
    dest = p.work / ".packages"
    dest.mkdir(parents=True, exist_ok=True)
    say(f"=> Creating binary package {dest}/{p.pkgname}.tgz", 0.6)
    return build_package(
        root=Path("/"),
        flavor=p.flavor,
        base=p.base,
        options=list(settings["options"]),
        build_vars=dict(settings["build_vars"]) or None,
        dest_dir=dest,
    )


def build_to(p: Package, depth: int, upto: str) -> None:
    """Run the phases up to ``upto`` that are not done yet (cookies in work/)."""
    steps = {
        "fetch": fetch,
        "checksum": checksum,
        "depends": lambda pk: install_depends(pk, depth),
        "extract": extract,
        "patch": patch,
        "configure": configure,
        "build": build,
    }
    for phase in PHASES:
        if phase in ("fetch", "checksum") and p.done("extract"):
            continue
        if not p.done(phase):
            steps[phase](p)
            if phase not in ("fetch", "checksum"):
                p.mark(phase)
        if phase == upto:
            return


def build_and_install(
    p: Package, depth: int, automatic: bool = False, replace: bool = False
) -> None:
    check_can_build(p)
    current = installed(p.base)
    if current and not replace:
        build_to(p, depth, "build")
        raise MakeError(
            *[line.format(pkg=current, base=p.base) for line in UNVERIFIED["already_installed"]]
        )
    build_to(p, depth, "build")
    package = stage_package(p)
    if replace and current:
        say(f"===> Replacing for {p.pkgname}")
        status = replace_installed(p, current, package)
    else:
        say(f"===> Installing binary package of {p.pkgname}")
        status = run([PKG_ADD, str(package)])
    if status != 0:
        raise MakeError()
    if automatic:
        run([PKG_ADMIN, "set", "automatic=YES", p.pkgname], quiet=True)
    p.mark("install")


def replace_installed(p: Package, current: str, package: Path) -> int:
    """``make replace``: pkg_add -U for a new version; for the same version, pkgsrc's
    delete-and-add that keeps +REQUIRED_BY (dependents stay registered)."""
    if current != p.pkgname:
        say(f"===> Updating using binary package of {p.pkgname}")
        return run([PKG_ADD, "-U", "-D", str(package)])
    db = PkgDB.inside()
    required_by = db.required_by(current)
    say(f"=> Preserving +REQUIRED_BY of {current}")
    status = run([PKG_DELETE, "-K", PKG_DBDIR, "-f", current])
    if status == 0:
        status = run([PKG_ADD, str(package)])
    if status == 0 and required_by:
        db.write(p.pkgname, "+REQUIRED_BY", "".join(f"{name}\n" for name in required_by))
    return status


def check_can_build(p: Package) -> None:
    reasons = p.fail_reasons()
    if reasons:
        raise MakeError("This package has set PKG_FAIL_REASON:", *reasons)


def make_package(p: Package) -> None:
    check_can_build(p)
    build_to(p, 0, "build")
    package = stage_package(p)
    target = Path(pkgsrc.PKGSRCDIR) / "packages" / "All" / package.name
    target.parent.mkdir(parents=True, exist_ok=True)
    say(f"===> Building binary package for {p.pkgname}")
    say(f"=> Creating binary package {target}", 0.3)
    target.write_bytes(package.read_bytes())


def deinstall(p: Package) -> None:
    say(f"===> Deinstalling for {p.base}")
    current = installed(p.base)
    if current:
        say(f"Running {PKG_DELETE} -K {PKG_DBDIR} {current}")
        if run([PKG_DELETE, "-K", PKG_DBDIR, current]) != 0:
            raise MakeError()
    (p.work / ".install_done").unlink(missing_ok=True)


def clean(p: Package) -> None:
    say(f"===> Cleaning for {p.pkgname}")
    if p.work.exists():
        subprocess.run(["rm", "-rf", str(p.work)], check=False)


# --- command line -------------------------------------------------------------------


def parse_args(argv: list[str]) -> tuple[list[str], dict, str | None]:
    targets, assigns, directory = [], {}, None
    args = iter(argv[1:])
    for arg in args:
        if arg == "-C":
            directory = next(args, None)
        elif arg.startswith("-C"):
            directory = arg[2:]
        elif arg.startswith("-"):
            if arg in ("-j", "-f"):
                next(args, None)
        elif "=" in arg:
            name, _, value = arg.partition("=")
            assigns[name] = value
        else:
            targets.append(arg)
    return targets, assigns, directory


def package_here(flavor, cwd: str):
    """The base name of the package whose directory ``cwd`` is, or None."""
    prefix = pkgsrc.PKGSRCDIR + "/"
    if not cwd.startswith(prefix) or not os.path.isfile(os.path.join(cwd, "Makefile")):
        return None
    rel = cwd[len(prefix) :].strip("/")
    for pkg in flavor.packages:
        if f"{pkg.category}/{pkg.base}" == rel:
            return pkg.base
    return None


def stop(cwd: str, status: int = 1) -> int:
    for line in UNVERIFIED["make_stop"]:
        print(line.format(cwd=cwd), file=sys.stderr)
    return status


def main(argv: list[str]) -> int:
    targets, assigns, directory = parse_args(argv)
    if directory:
        try:
            os.chdir(directory)
        except OSError:
            print(f"make: chdir {directory}: No such file or directory", file=sys.stderr)
            return 2
    cwd = os.getcwd()
    flavor = inside_flavor()
    base = package_here(flavor, cwd)
    if base is None:
        what = f"don't know how to make {targets[0]}. Stop" if targets else "no target to make."
        print(f"make: {what}\n\nmake: stopped in {cwd}", file=sys.stderr)
        return 2
    p = Package(flavor, base, cwd, assigns)
    try:
        for target in targets or ["all"]:
            run_target(p, target, assigns)
    except MakeError as exc:
        sys.stdout.flush()
        for line in exc.lines:
            error(line)
        return stop(cwd)
    except UnknownTarget as exc:
        print(
            f"make: don't know how to make {exc}. Stop\n\nmake: stopped in {cwd}", file=sys.stderr
        )
        return 2
    except OSError as exc:
        error(str(exc))
        return stop(cwd)
    return 0


def run_target(p: Package, target: str, assigns: dict) -> None:
    if target == "show-options":
        show_options(p)
    elif target == "show-var":
        say(p.variable(assigns.get("VARNAME", "")))
    elif target == "show-vars":
        for name in assigns.get("VARNAMES", "").split():
            say(p.variable(name))
    elif target == "show-depends":
        for line in p.depends_lines():
            say(line)
    elif target == "clean":
        clean(p)
    elif target == "deinstall":
        deinstall(p)
    elif target in ("install", "package-install"):
        build_and_install(p, 0)
    elif target == "replace":
        build_and_install(p, 0, replace=True)
    elif target == "package":
        make_package(p)
    elif target in PHASES or target == "all":
        check_can_build(p)
        build_to(p, 0, "build" if target == "all" else target)
    else:
        raise UnknownTarget(target)
