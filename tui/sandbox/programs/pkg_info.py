"""pkg_info(1): information on installed packages or package files (facts §7.3)."""

from __future__ import annotations

import sys
from pathlib import Path

from .. import getopt3 as getopt
from ..flavors import UNVERIFIED
from ..pkgdb import PkgDB
from ..pkgfmt import PackageReader, parse_build_info, parse_contents

USAGE = (
    "usage: pkg_info [-BbcDdFfhIikLmNnpqRrSsVvX] [-E pkg-name] [-e pkg-name]\n"
    "                [-K pkg_dbdir] [-l prefix] pkg-name ...\n"
    "       pkg_info [-a | -u] [flags]\n"
    "       pkg_info [-Q variable] pkg-name ..."
)

#: flag -> (header, metadata file) for the simple sections, in pkg_info's order.
SECTIONS = [
    ("-c", "Comment:", "+COMMENT"),
    ("-R", "Required by:", "+REQUIRED_BY"),
    ("-d", "Description:", "+DESC"),
    ("-D", "Install notice:", "+DISPLAY"),
    ("-i", "Install script:", "+INSTALL"),
    ("-k", "De-Install script:", "+DEINSTALL"),
]


class Source:
    """Metadata of one installed package or package file."""

    def __init__(self, name: str, meta: dict[str, str]):
        self.name, self.meta = name, meta

    def get(self, key: str) -> str:
        return self.meta.get(key, "")


def installed_source(db: PkgDB, pkgname: str) -> Source:
    meta = {}
    for entry in db.path(pkgname).iterdir():
        if entry.name.startswith("+") and entry.is_file():
            meta[entry.name] = entry.read_text(errors="replace")
    return Source(pkgname, meta)


def resolve(db: PkgDB, name: str) -> list[Source]:
    if name.endswith(".tgz") and Path(name).is_file():
        with PackageReader(name) as reader:
            return [Source(reader.contents.name, dict(reader.meta))]
    return [installed_source(db, n) for n in db.find(name)]


def show(source: Source, flags: set[str], quiet: bool) -> None:
    out = []
    if not quiet:
        out.append(f"Information for {source.name}:\n\n")
    for flag, header, meta in SECTIONS:
        if flag in flags and (source.get(meta) or flag in ("-c", "-d")):
            out.append(
                (f"{header}\n" if not quiet else "")
                + source.get(meta)
                + ("\n" if not quiet else "")
            )
    contents = parse_contents(source.get("+CONTENTS"))
    if "-n" in flags and contents.pkgdeps:
        out.append(
            ("Requires:\n" if not quiet else "")
            + "".join(f"{d}\n" for d in contents.pkgdeps)
            + ("\n" if not quiet else "")
        )
    if "-L" in flags:
        out.append(
            ("Files:\n" if not quiet else "")
            + "".join(f"{contents.cwd}/{p}\n" for p, _ in contents.files)
            + ("\n" if not quiet else "")
        )
    if "-p" in flags:
        out.append(
            ("Installation prefix:\n" if not quiet else "")
            + f"{contents.cwd}\n"
            + ("\n" if not quiet else "")
        )
    if "-s" in flags:
        size = int(source.get("+SIZE_PKG") or 0) // 1024
        out.append(
            ("Size of this package in bytes: " if not quiet else "")
            + f"{size * 1024}\n"
            + ("\n" if not quiet else "")
        )
    if "-B" in flags:
        extra = source.get("+INSTALLED_INFO")
        out.append(
            ("Build information:\n" if not quiet else "")
            + source.get("+BUILD_INFO")
            + extra
            + ("\n" if not quiet else "")
        )
    sys.stdout.write("".join(out))


def main(argv: list[str]) -> int:
    try:
        opts, args = getopt.getopt(argv[1:], "aBbcDdE:e:FfhIikK:Ll:mNnpQ:qRrSsuVvX")
    except getopt.GetoptError as exc:
        print(f"pkg_info: {exc.msg}", file=sys.stderr)
        print(USAGE, file=sys.stderr)
        return 1
    flags = {o for o, _ in opts}
    values = dict(opts)
    db = PkgDB(Path(values["-K"])) if "-K" in values else PkgDB.inside()
    if "-h" in flags:
        print(USAGE, file=sys.stderr)
        return 1
    if "-V" in flags:
        print("20160410")
        return 0
    for flag in ("-e", "-E"):
        if flag in values:
            patterns = [v for o, v in opts if o == flag] + args
            status = 0
            for pattern in patterns:
                found = db.find(pattern)
                if not found:
                    status = 1
                elif "-q" not in flags:
                    shown = found if flag == "-e" else [db.find_best(pattern) or found[0]]
                    print("\n".join(shown))
            return status
    if "-Q" in values:
        status = 0
        for name in args:
            sources = resolve(db, name)
            if not sources:
                print(UNVERIFIED["pkg_info_not_found"].format(name=name), file=sys.stderr)
                status = 1
            for source in sources:
                value = parse_build_info(source.get("+BUILD_INFO")).get(values["-Q"])
                if value is not None:
                    print(value)
        return status
    if not args:
        names = db.installed()
        if "-u" in flags:
            names = [n for n in names if not db.is_automatic(n)]
        if "-a" not in flags and "-u" not in flags and (flags - {"-q", "-v"}):
            print(USAGE, file=sys.stderr)
            return 1
        detail = flags - {"-a", "-u", "-q", "-v"}
        for name in names:
            if detail:
                show(installed_source(db, name), detail, "-q" in flags)
            elif "-q" in flags:
                print(name)
            else:
                comment = (db.read(name, "+COMMENT") or "").strip()
                print(f"{name:<19} {comment}")
        return 0
    detail = flags - {"-q", "-v", "-a", "-u"} or {"-c", "-d", "-R"}
    status = 0
    for name in args:
        sources = resolve(db, name)
        if not sources:
            print(UNVERIFIED["pkg_info_not_found"].format(name=name), file=sys.stderr)
            status = 1
        for source in sources:
            show(source, detail, "-q" in flags)
    return status
