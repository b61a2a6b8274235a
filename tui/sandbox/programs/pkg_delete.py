"""pkg_delete(1): run +DEINSTALL, remove a package's files and its PKG_DBDIR record."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from .. import getopt3 as getopt
from ..flavors import UNVERIFIED
from ..pkgdb import PkgDB
from ..pkgfmt import parse_contents

USAGE = "usage: pkg_delete [-ADFfkNnORrVv] [-K pkg_dbdir] [-P destdir] [-p prefix] pkg-name ..."


def run_script(db: PkgDB, pkgname: str, script: str, stage: str) -> int:
    """Run ``./<script> <pkg> <stage>`` in the package's record, as pkg_install does."""
    path = db.path(pkgname, script)
    if not path.is_file():
        return 0
    path.chmod(0o755)
    sys.stdout.flush()
    env = dict(
        os.environ,
        PKG_PREFIX="/usr/pkg",
        PKG_METADATA_DIR=str(db.path(pkgname)),
        PKG_DBDIR=str(db.dbdir),
        PKG_REFCOUNT_DBDIR=f"{db.dbdir}.refcount",
    )
    try:
        return subprocess.run(
            [str(path), pkgname, stage], cwd=db.path(pkgname), env=env, check=False
        ).returncode
    except OSError:
        return 127


def remove_files(db: PkgDB, pkgname: str, verbose: bool = False) -> None:
    contents = parse_contents(db.read(pkgname, "+CONTENTS") or "")
    prefix = Path(contents.cwd or "/usr/pkg")
    parents: set[Path] = set()
    for rel, _ in contents.files:
        target = prefix / rel
        if verbose:
            print(f"Delete file {target}", flush=True)
        try:
            target.unlink()
        except FileNotFoundError:
            pass
        parents.update(target.parents)
    for directory in sorted(parents, key=lambda p: len(p.parts), reverse=True):
        if prefix in directory.parents:
            try:
                directory.rmdir()
            except OSError:
                pass


def delete_package(db: PkgDB, pkgname: str, verbose: bool = False, force: bool = False) -> bool:
    """DEINSTALL, files, POST-DEINSTALL, record; deps' +REQUIRED_BY updated."""
    if verbose:
        print(f"Running deinstall with DEINSTALL for {pkgname}.", flush=True)
    if run_script(db, pkgname, "+DEINSTALL", "DEINSTALL") != 0 and not force:
        print("pkg_delete: deinstall script returned error status", file=sys.stderr)
        return False
    remove_files(db, pkgname, verbose)
    if verbose:
        print(f"Running deinstall with POST-DEINSTALL for {pkgname}.", flush=True)
    run_script(db, pkgname, "+DEINSTALL", "POST-DEINSTALL")
    db.unregister(pkgname, parse_contents(db.read(pkgname, "+CONTENTS") or "").pkgdeps)
    if verbose:
        print(f"Package {pkgname} deleted.", flush=True)
    return True


def main(argv: list[str]) -> int:
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    try:
        opts, args = getopt.getopt(argv[1:], "ADFfkNnORrVvK:P:p:")
    except getopt.GetoptError as exc:
        print(f"pkg_delete: {exc.msg}", file=sys.stderr)
        print(USAGE, file=sys.stderr)
        return 1
    flags = {o for o, _ in opts}
    dbdir = dict(opts).get("-K")
    db = PkgDB(Path(dbdir)) if dbdir else PkgDB.inside()
    verbose, force = "-v" in flags, "-f" in flags or "-ff" in flags
    recursive = "-r" in flags
    if not args:
        print(USAGE, file=sys.stderr)
        return 1
    if os.geteuid() != 0:
        print("pkg_delete: Modifying the pkgdb requires root privileges", file=sys.stderr)
        return 1
    targets: list[str] = []
    for name in args:
        found = db.find(name)
        if not found:
            print(UNVERIFIED["pkg_delete_not_installed"].format(name=name), file=sys.stderr)
            return 1
        targets += [f for f in found if f not in targets]
    if recursive:
        targets = db.with_dependents(targets)
    failed = 0
    for pkgname in targets:
        others = [o for o in db.required_by(pkgname) if o not in targets]
        if others and not force:
            head, line = UNVERIFIED["pkg_delete_required"]
            print(head.format(pkg=pkgname), file=sys.stderr)
            for other in others:
                print(line.format(others=other), file=sys.stderr)
            failed += 1
            continue
        if not delete_package(db, pkgname, verbose, force):
            failed += 1
    return 1 if failed else 0
