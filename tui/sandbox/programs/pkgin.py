"""pkgin(1): binary package manager on top of pkg_install (facts §7.5, 0.x wording).

Repositories come from /usr/pkg/etc/pkgin/repositories.conf (local ``file://`` ones are
read; others count as unreachable); ``update`` caches their pkg_summary; ``install``
computes the dependency closure, prompts ``proceed ? [Y/n] ``, downloads into the
cache and runs pkg_add; ``remove`` runs pkg_delete.
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .. import faults
from .. import getopt3 as getopt
from ..flavors import UNVERIFIED
from ..layout import pace
from ..pkgdb import PkgDB, best, matching, split_pkgname

USAGE = "Usage: pkgin [-cdfFhlnPtvVy] command [package ...]"
CONF = "/usr/pkg/etc/pkgin/repositories.conf"
DBDIR = Path("/var/db/pkgin")
CACHE = DBDIR / "cache"
ERRLOG = DBDIR / "pkg_install-err.log"
RATE = 256 * 1024


class Stop(Exception):
    """Leave with this status (the message was printed)."""


def out(text: str = "", end: str = "\n") -> None:
    sys.stdout.write(text + end)
    sys.stdout.flush()


def repositories() -> list[str]:
    try:
        lines = Path(CONF).read_text().splitlines()
    except OSError:
        lines = []
    repos = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not repos:
        print(f"{CONF} has no repositories or does not exist.", file=sys.stderr)
        print("No PKG_REPOS variable to fallback to.", file=sys.stderr)
        raise Stop(1)
    return repos


def parse_summary(text: str, repo: str) -> dict[str, dict]:
    packages = {}
    for record in text.split("\n\n"):
        entry: dict = {"DEPENDS": []}
        for line in record.splitlines():
            key, _, value = line.partition("=")
            if key == "DEPENDS":
                entry["DEPENDS"].append(value)
            elif key not in entry:
                entry[key] = value
        entry.setdefault("REPO", repo)
        if "PKGNAME" in entry:
            packages[entry["PKGNAME"]] = entry
    return packages


def update(verbose: bool = True) -> dict[str, dict]:
    """Read every repository's pkg_summary into the local cache."""
    DBDIR.mkdir(parents=True, exist_ok=True)
    available: dict[str, dict] = {}
    if verbose:
        out("reading local summary...")
        out("processing local summary...")
    for repo in repositories():
        directory = Path(repo[len("file://") :]) if repo.startswith("file://") else None
        summary = directory / UNVERIFIED["pkg_summary_name"] if directory else None
        if verbose:
            out(f"processing remote summary ({repo})...")
        if summary is None or not summary.is_file():
            print(
                f"Could not fetch {repo}/pkg_summary.bz2: No such file or directory",
                file=sys.stderr,
            )
            continue
        with gzip.open(summary, "rt") as fh:
            text = fh.read()
        for name, entry in parse_summary(text, repo).items():
            available.setdefault(name, entry)
    if not available:
        print("empty available packages list", file=sys.stderr)
        raise Stop(1)
    (DBDIR / "pkg_summary").write_text("".join(_emit(e) for e in available.values()))
    return available


def _emit(entry: dict) -> str:
    lines = [f"{k}={v}" for k, v in entry.items() if k != "DEPENDS"]
    return "\n".join(lines + [f"DEPENDS={d}" for d in entry["DEPENDS"]]) + "\n\n"


def load() -> dict[str, dict]:
    cached = DBDIR / "pkg_summary"
    if not cached.is_file():
        return update(verbose=False)
    return parse_summary(cached.read_text(), "")


def find(available: dict, pattern: str) -> str | None:
    return best(matching(pattern, list(available)))


def closure(available: dict, db: PkgDB, wanted: list[str]) -> list[str]:
    """Packages to install, dependencies first (installed ones skipped)."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for pattern in available[name]["DEPENDS"]:
            if db.find(pattern):
                continue
            dep = find(available, pattern)
            if dep:
                visit(dep)
        order.append(name)

    for name in wanted:
        visit(name)
    return order


def human(size: int) -> str:
    return f"{size // 1024}K" if size < 1024 * 1024 else f"{size / 1048576:.1f}M"


def confirm(assume: str | None) -> bool:
    out("proceed ? [Y/n] ", end="")
    if assume is not None:
        out(assume)
        return assume == "y"
    answer = sys.stdin.readline()
    if faults.strike("pkgin-wrong-answer"):
        return False
    return answer[:1] in ("\n", "y", "Y")


def install(args: list[str], assume: str | None, db: PkgDB) -> int:
    available = load()
    wanted, missing = [], []
    for arg in args:
        name = find(available, arg)
        base = split_pkgname(name)[0] if name else arg
        if name is None or faults.strike("missing-package", base):
            missing.append(arg)
        else:
            wanted.append(name)
    out("calculating dependencies...", end="")
    out("done.")
    for arg in missing:
        out(f"{arg} is not available on the repository")
    todo = [n for n in closure(available, db, wanted) if not db.path(n, "+CONTENTS").is_file()]
    if missing and not todo:
        out("nothing to do.")
        return 1
    if not todo:
        out("nothing to do.")
        return 0
    download_size = sum(int(available[n].get("FILE_SIZE", 0)) for n in todo)
    install_size = sum(int(available[n].get("SIZE_PKG", 0)) for n in todo)
    out(
        f"{len(todo)} packages to be installed ({human(download_size)} to download, "
        f"{human(install_size)} to install):"
    )
    out()
    out(" ".join(todo) + " ")
    out()
    if not confirm(assume):
        return UNVERIFIED["pkgin_refused_status"]
    CACHE.mkdir(parents=True, exist_ok=True)
    out("downloading packages...")
    for name in todo:
        fetch(available[name], name)
    out("installing packages...")
    warnings = errors = 0
    with open(ERRLOG, "a") as log:
        for name in todo:
            out(f"installing {name}...")
            argv = (
                ["/usr/sbin/pkg_add"]
                + (["-A"] if name not in wanted else [])
                + [str(CACHE / f"{name}.tgz")]
            )
            sys.stdout.flush()
            result = subprocess.run(argv, stderr=subprocess.PIPE, text=True, check=False)
            log.write(result.stderr)
            warnings += sum("arning" in line for line in result.stderr.splitlines())
            errors += result.returncode != 0
    out(f"pkg_install warnings: {warnings}, errors: {errors}")
    if warnings or errors:
        out(f"pkg_install error log can be found in {ERRLOG}")
    out("reading local summary...")
    out("processing local summary...")
    return 1 if errors or missing else 0


def fetch(entry: dict, name: str) -> None:
    repo = entry.get("REPO", "")
    source = Path(repo[len("file://") :]) / f"{name}.tgz"
    size = int(entry.get("FILE_SIZE", 0))
    slow = faults.strike("slow-download", split_pkgname(name)[0])
    broken = faults.strike("network-failure", split_pkgname(name)[0])
    seconds = float(slow.get("seconds", 20)) if slow else size / RATE
    for pct in (0, 25, 50, 75, 100):
        if broken and pct > int(broken.get("at_percent", 50)):
            print(
                f"pkgin: download error: {repo}/{name}.tgz: Connection reset by peer",
                file=sys.stderr,
            )
            raise Stop(1)
        out(f"downloading {name}.tgz: {human(size * pct // 100)} {pct}%")
        if pct < 100:
            time.sleep(seconds / 4 * pace())
    shutil.copyfile(source, CACHE / f"{name}.tgz")


def remove(args: list[str], assume: str | None, db: PkgDB) -> int:
    targets = []
    for arg in args:
        found = db.find_best(arg)
        if found is None:
            out(f"{arg} is not installed")
        else:
            targets.append(found)
    if not targets:
        out("nothing to do.")
        return 1
    targets = db.with_dependents(targets)
    out(f"{len(targets)} packages to delete: ")
    out()
    out(" ".join(targets) + " ")
    out()
    if not confirm(assume):
        return UNVERIFIED["pkgin_refused_status"]
    status = 0
    for name in targets:
        out(f"removing {name}...")
        sys.stdout.flush()
        status |= subprocess.run(["/usr/sbin/pkg_delete", name], check=False).returncode
    out("reading local summary...")
    out("processing local summary...")
    return 1 if status else 0


def listing(names: list[str], comments: dict[str, str]) -> int:
    for name in sorted(names):
        out(f"{name:<20} {comments.get(name, '')}")
    return 0


COMMANDS = {"update": "up", "install": "in", "remove": "rm", "list": "ls", "avail": "av"}


def main(argv: list[str]) -> int:
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    try:
        opts, args = getopt.getopt(argv[1:], "cdfFhlnPtvVy")
    except getopt.GetoptError:
        print(USAGE, file=sys.stderr)
        return 1
    flags = {o for o, _ in opts}
    if "-v" in flags:
        from ..layout import inside_flavor

        out(f"pkgin {inside_flavor().package('pkgin').version.split('nb')[0]}")
        return 0
    if not args or "-h" in flags:
        print(USAGE, file=sys.stderr)
        return 1
    command = next((c for c, short in COMMANDS.items() if args[0] in (c, short)), None)
    if command is None:
        print(USAGE, file=sys.stderr)
        return 1
    assume = "y" if "-y" in flags else "n" if "-n" in flags else None
    db = PkgDB.inside()
    try:
        if command in ("update", "install", "remove") and os.geteuid() != 0:
            print("You don't have enough rights for this operation.", file=sys.stderr)
            return 1
        if command == "update":
            update()
            return 0
        if command == "list":
            return listing(
                db.installed(), {n: (db.read(n, "+COMMENT") or "").strip() for n in db.installed()}
            )
        if command == "avail":
            available = load()
            return listing(list(available), {n: e.get("COMMENT", "") for n, e in available.items()})
        if len(args) < 2:
            print(USAGE, file=sys.stderr)
            return 1
        if command == "install":
            return install(args[1:], assume, db)
        return remove(args[1:], assume, db)
    except Stop as stop:
        return stop.args[0]
