"""pkg_add(1): install binary packages from files or PKG_PATH (facts §7.2).

Each package fetched from PKG_PATH goes through a download phase (progress lines,
paced by ``pace()``; faults: missing-package, network-failure, slow-download), then
its record is written to PKG_DBDIR, ``+INSTALL PRE-INSTALL`` runs, the files are
extracted, ``+INSTALL POST-INSTALL`` runs, and ``+DISPLAY`` is shown.
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

from .. import faults
from .. import getopt3 as getopt
from ..flavors import UNVERIFIED
from ..layout import inside_flavor, pace
from ..pkgdb import PkgDB, best, matching, split_pkgname
from ..pkgfmt import PackageReader
from ..repo import register
from .pkg_delete import delete_package, remove_files, run_script

USAGE = (
    "usage: pkg_add [-AfhInUuVv] [-C config] [-P destdir] [-K pkg_dbdir]\n"
    "               [-m machine] [-p prefix] [-W viewbase] [-w view]\n"
    "               [[ftp|http]://[user[:password]@]host[:port]][/path/]pkg-name ..."
)
CONF = "/etc/pkg_install.conf"
#: Simulated mirror throughput (bytes per second at pace 1.0).
RATE = 256 * 1024


class Failed(Exception):
    """The current package cannot be installed; the message was already printed."""


def warn(message: str) -> None:
    sys.stdout.flush()
    print(f"pkg_add: {message}", file=sys.stderr, flush=True)


def pkg_path() -> list[str]:
    value = os.environ.get("PKG_PATH")
    if value is None:
        try:
            for line in Path(CONF).read_text().splitlines():
                key, sep, rest = line.partition("=")
                if sep and key.strip() == "PKG_PATH":
                    value = rest.strip()
        except OSError:
            pass
    return [entry for entry in (value or "").split(";") if entry]


def _local_dir(entry: str) -> Path | None:
    if entry.startswith("file://"):
        entry = entry[len("file://") :]
    return Path(entry) if entry.startswith("/") else None


def find_in_path(pattern: str) -> tuple[str, Path] | None:
    """(url, file) of the best match of ``pattern`` in the first PKG_PATH entry having one."""
    for entry in pkg_path():
        directory = _local_dir(entry)
        if directory is None or not directory.is_dir():
            continue
        if pattern.endswith(".tgz"):
            candidate = directory / pattern
            if candidate.is_file():
                return f"{entry.rstrip('/')}/{pattern}", candidate
            continue
        names = [p.name[:-4] for p in directory.glob("*.tgz")]
        chosen = best(matching(pattern, names))
        if chosen:
            return f"{entry.rstrip('/')}/{chosen}.tgz", directory / f"{chosen}.tgz"
    return None


def download(url: str, size_pkg: int, base: str) -> None:
    """The download phase: progress lines over a paced duration; faults strike here."""
    total = size_pkg * 2 // 5
    slow = faults.strike("slow-download", base)
    broken = faults.strike("network-failure", base)
    seconds = float(slow.get("seconds", 20)) if slow else total / RATE
    stop_at = int(broken.get("at_percent", 50)) if broken else None
    fmt = UNVERIFIED["pkg_add_download"]
    for pct in range(0, 101, 25):
        if stop_at is not None and pct > stop_at:
            print(
                fmt.format(url=url, done=total * stop_at // 100, total=total, pct=stop_at),
                flush=True,
            )
            warn(UNVERIFIED["pkg_add_network_failure"].format(url=url)[len("pkg_add: ") :])
            raise Failed
        print(fmt.format(url=url, done=total * pct // 100, total=total, pct=pct), flush=True)
        if pct < 100:
            time.sleep(seconds / 4 * pace())


class Installer:
    def __init__(self, db: PkgDB, verbose: bool, force: bool, upgrade: bool):
        self.db, self.verbose, self.force, self.upgrade = db, verbose, force, upgrade
        self.flavor = inside_flavor()

    def say(self, text: str) -> None:
        if self.verbose:
            print(text, flush=True)

    def locate(self, name: str) -> tuple[str | None, Path]:
        """(url or None for a local file, package file) for a command-line name."""
        if name.endswith(".tgz") and "/" in name and Path(name).is_file():
            return None, Path(name)
        wanted = Path(name).name if name.endswith(".tgz") else name
        found = find_in_path(wanted)
        subject = split_pkgname(found[1].name[:-4] if found else wanted.removesuffix(".tgz"))[0]
        if found is None or faults.strike("missing-package", subject):
            warn(f"no pkg found for '{name}', sorry.")
            raise Failed
        return found

    def add(self, name: str, automatic: bool = False) -> None:
        url, path = self.locate(name)
        reader = PackageReader(path)
        contents, info = reader.contents, reader.build_info
        pkgname = contents.name
        if not pkgname:
            warn("Invalid PLIST: missing @name")
            raise Failed
        if not contents.cwd:
            warn("Invalid PLIST: missing @cwd")
            raise Failed
        base = split_pkgname(pkgname)[0]
        if self.db.path(pkgname, "+CONTENTS").is_file():
            if not automatic and self.db.is_automatic(pkgname):
                self.db.set_automatic(pkgname, False)
                warn(
                    f"package `{pkgname}' was already installed as dependency, "
                    "now marked as installed manually"
                )
            else:
                warn(f"package `{pkgname}' already recorded as installed")
            return
        old = self.db.installed_base(base)
        if old and not self.upgrade:
            warn(f"A different version of {pkgname} is already installed: {old}")
            raise Failed
        self.check_platform(pkgname, info)
        if url is not None:
            download(url, int(reader.meta.get("+SIZE_PKG", "65536")), base)
        for pattern in contents.pkgdeps:
            if self.db.find(pattern):
                continue
            try:
                self.add(pattern, automatic=True)
            except Failed:
                warn(f"Can't install dependency {pattern}")
                raise
        required_by = []
        if old:
            required_by = self.db.required_by(old)
            self.say(f"pkg_delete -K {self.db.dbdir} '{old}'")
            delete_package(self.db, old, verbose=False, force=True)
        self.install(reader, automatic)
        for dependent in required_by:
            self.db.add_required_by(pkgname, dependent)

    def check_platform(self, pkgname: str, info: dict) -> None:
        if not all(info.get(k) for k in ("OPSYS", "OS_VERSION", "MACHINE_ARCH")):
            warn("Not all required build information are present.")
            raise Failed
        host = ("NetBSD", "x86_64", self.flavor.netbsd_release)
        pkg = (info["OPSYS"], info["MACHINE_ARCH"], info["OS_VERSION"])
        if pkg == host:
            return
        print(f"Warning: package `{pkgname}' was built for a platform:", file=sys.stderr)
        print(
            f"{pkg[0]}/{pkg[1]} {pkg[2]} (pkg) vs. {host[0]}/{host[1]} {host[2]} (this host)",
            file=sys.stderr,
            flush=True,
        )
        if pkg[:2] != host[:2] and not self.force:
            raise Failed

    def install(self, reader: PackageReader, automatic: bool) -> None:
        contents = reader.contents
        pkgname = contents.name
        base = split_pkgname(pkgname)[0]
        register(self.db.dbdir, reader, automatic)
        self.say(f"Running install with PRE-INSTALL for {pkgname}.")
        if (
            faults.strike("install-script-failure", base)
            or run_script(self.db, pkgname, "+INSTALL", "PRE-INSTALL") != 0
        ):
            self.abort(pkgname, contents, extracted=False)
        prefix = Path(contents.cwd)
        for rel, data, mode in reader.files():
            target = prefix / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink() or target.exists():
                target.unlink()
            target.write_bytes(data)
            os.chmod(target, mode)
            self.say(rel)
        for cmd in contents.execs:
            self.say(f"Executing '{cmd}'")
            os.system(cmd)
        self.say(f"Running install with POST-INSTALL for {pkgname}.")
        if run_script(self.db, pkgname, "+INSTALL", "POST-INSTALL") != 0:
            self.abort(pkgname, contents, extracted=True)
        self.say(f"Package {pkgname} registered in {self.db.path(pkgname)}")
        display = reader.meta.get("+DISPLAY")
        if display:
            print(display, end="", flush=True)

    def abort(self, pkgname: str, contents, extracted: bool) -> None:
        warn("install script returned error status")
        if extracted:
            remove_files(self.db, pkgname)
        self.db.unregister(pkgname, contents.pkgdeps)
        raise Failed


def main(argv: list[str]) -> int:
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    try:
        opts, args = getopt.getopt(argv[1:], "ADfhInUuVvC:P:K:m:p:W:w:")
    except getopt.GetoptError as exc:
        print(f"pkg_add: {exc.msg}", file=sys.stderr)
        print(USAGE, file=sys.stderr)
        return 1
    flags = [o for o, _ in opts]
    if "-V" in flags:
        print("20160410" if inside_flavor().name == "2017Q1" else "20191008")
        return 0
    if not args or "-h" in flags:
        print(USAGE, file=sys.stderr)
        return 1
    if os.geteuid() != 0:
        warn("Modifying the pkgdb requires root privileges")
        return 1
    dbdir = dict(opts).get("-K")
    installer = Installer(
        PkgDB(Path(dbdir)) if dbdir else PkgDB.inside(),
        verbose="-v" in flags,
        force="-f" in flags,
        upgrade="-u" in flags or "-U" in flags,
    )
    failed = 0
    for name in args:
        try:
            installer.add(name, automatic="-A" in flags)
        except Failed:
            failed += 1
    if failed and installer.verbose:
        warn(f"{failed} package addition(s) failed")
    return 1 if failed else 0
