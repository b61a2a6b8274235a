"""rcorder(8): print rc.d scripts in dependency order (PROVIDE/REQUIRE/BEFORE/KEYWORD)."""

from __future__ import annotations

import sys

USAGE = "usage: rcorder [-k keep] [-s skip] file ..."
_HEADERS = ("PROVIDE", "REQUIRE", "REQUIRES", "BEFORE", "KEYWORD", "KEYWORDS")


def parse(path: str) -> dict:
    """The ``# PROVIDE:`` ... lines of a script's leading comment block."""
    info: dict[str, list[str]] = {"PROVIDE": [], "REQUIRE": [], "BEFORE": [], "KEYWORD": []}
    with open(path, errors="replace") as fh:
        for line in fh:
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                break
            body = stripped.lstrip("#").strip()
            head, sep, rest = body.partition(":")
            if sep and head in _HEADERS:
                key = head.rstrip("S") if head in ("REQUIRES", "KEYWORDS") else head
                info[key].extend(rest.split())
    return info


def order(files: list[str], keep=(), skip=(), warn=None) -> list[str]:
    """``files`` sorted so that each comes after what it REQUIREs (and before what
    it is BEFORE), filtered by the keep/skip keywords as rcorder does."""
    warn = warn or (lambda message: print(f"rcorder: {message}", file=sys.stderr))
    infos = {}
    for path in files:
        try:
            infos[path] = parse(path)
        except OSError as exc:
            warn(f"could not open {path}: {exc.strerror}")
    providers: dict[str, list[str]] = {}
    for path, info in infos.items():
        for name in info["PROVIDE"]:
            providers.setdefault(name, []).append(path)
    needs: dict[str, list[str]] = {path: [] for path in infos}
    for path, info in infos.items():
        for name in info["REQUIRE"]:
            if name not in providers:
                warn(f"requirement `{name}' in file `{path}' has no providers.")
            needs[path].extend(providers.get(name, []))
        for name in info["BEFORE"]:
            for other in providers.get(name, []):
                needs[other].append(path)
    result: list[str] = []
    state: dict[str, str] = {}

    def visit(path: str) -> None:
        if state.get(path) == "done":
            return
        if state.get(path) == "active":
            names = " ".join(infos[path]["PROVIDE"]) or path
            warn(f"Circular dependency on provision `{names}' in file `{path}'.")
            return
        state[path] = "active"
        for other in needs[path]:
            visit(other)
        state[path] = "done"
        result.append(path)

    for path in infos:
        visit(path)

    def wanted(path: str) -> bool:
        words = set(infos[path]["KEYWORD"])
        if keep and not words & set(keep):
            return False
        return not words & set(skip)

    return [path for path in result if wanted(path)]


def main(argv: list[str]) -> int:
    args = argv[1:]
    keep: list[str] = []
    skip: list[str] = []
    while args and args[0].startswith("-") and len(args[0]) > 1:
        opt = args.pop(0)
        if opt == "--":
            break
        if opt[1] in "ks":
            value = opt[2:] or (args.pop(0) if args else None)
            if value is None:
                print(f"rcorder: option requires an argument -- {opt[1]}", file=sys.stderr)
                print(USAGE, file=sys.stderr)
                return 1
            (keep if opt[1] == "k" else skip).append(value)
        else:
            print(f"rcorder: unknown option -- {opt[1]}", file=sys.stderr)
            print(USAGE, file=sys.stderr)
            return 1
    for path in order(args, keep, skip):
        print(path)
    return 0
