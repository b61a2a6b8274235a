"""The installed-package database (PKG_DBDIR) and pkgsrc package patterns.

Patterns are what pkg_install accepts: an exact name, fnmatch globs, csh-style
``{a,b}`` alternatives, and dewey comparisons ``name>=1.0``, ``name<2``,
``name>=1.0<2`` (facts §7.3).  A bare base name ``qmail`` means ``qmail-[0-9]*``.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections import namedtuple
from collections.abc import Iterable
from functools import cmp_to_key
from pathlib import Path

DEFAULT_DBDIR = "/var/db/pkg"

# --- versions -------------------------------------------------------------------

#: dewey modifiers (pkg_install dewey.c): value of each word inside a version.
_MODIFIERS = (("alpha", -3), ("beta", -2), ("pre", -1), ("rc", -1), ("pl", 0), ("_", 0), (".", 0))


def _dewey_parse(version: str) -> tuple[list[int], int]:
    """(components, nb revision) of a version string."""
    parts: list[int] = []
    revision = 0
    i = 0
    while i < len(version):
        ch = version[i]
        if ch.isdigit():
            j = i
            while j < len(version) and version[j].isdigit():
                j += 1
            parts.append(int(version[i:j]))
            i = j
            continue
        if version.startswith("nb", i):
            j = i + 2
            while j < len(version) and version[j].isdigit():
                j += 1
            revision = int(version[i + 2 : j] or 0)
            i = j
            continue
        for word, value in _MODIFIERS:
            if version.startswith(word, i):
                if word != ".":
                    parts.append(value)
                i += len(word)
                break
        else:
            if ch.isalpha():
                parts.append(0)
                parts.append(ord(ch.lower()) - ord("a") + 1)
            i += 1
    return parts, revision


def version_cmp(a: str, b: str) -> int:
    """-1, 0 or 1 comparing two pkgsrc versions (dewey order, then nbN)."""
    pa, ra = _dewey_parse(a)
    pb, rb = _dewey_parse(b)
    length = max(len(pa), len(pb))
    pa += [0] * (length - len(pa))
    pb += [0] * (length - len(pb))
    if pa != pb:
        return -1 if pa < pb else 1
    return (ra > rb) - (ra < rb)


def split_pkgname(pkgname: str) -> tuple[str, str]:
    """('qmail-run', '20170406') from 'qmail-run-20170406'."""
    base, sep, version = pkgname.rpartition("-")
    return (base, version) if sep else (pkgname, "")


# --- patterns -------------------------------------------------------------------


def expand_braces(pattern: str) -> list[str]:
    """csh-style alternatives: 'a{b,c}d' -> ['abd', 'acd'] (nested allowed)."""
    start = pattern.find("{")
    if start < 0:
        return [pattern]
    depth = 0
    for end in range(start, len(pattern)):
        if pattern[end] == "{":
            depth += 1
        elif pattern[end] == "}":
            depth -= 1
            if depth == 0:
                break
    else:
        return [pattern]
    body, alternatives, depth, current = pattern[start + 1 : end], [], 0, ""
    for ch in body:
        if ch == "," and depth == 0:
            alternatives.append(current)
            current = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        current += ch
    alternatives.append(current)
    head, tail = pattern[:start], pattern[end + 1 :]
    return [x for alt in alternatives for x in expand_braces(head + alt + tail)]


_DEWEY_RE = re.compile(r"(>=|<=|>|<)")
_OPS = {">=": lambda c: c >= 0, "<=": lambda c: c <= 0, ">": lambda c: c > 0, "<": lambda c: c < 0}


def is_pattern(text: str) -> bool:
    return any(ch in text for ch in "*?[]{}<>")


def _match_one(pattern: str, pkgname: str) -> bool:
    if _DEWEY_RE.search(pattern):
        pieces = _DEWEY_RE.split(pattern)
        base, version = split_pkgname(pkgname)
        if not fnmatch.fnmatchcase(base, pieces[0]):
            return False
        for op, bound in zip(pieces[1::2], pieces[2::2]):
            if not _OPS[op](version_cmp(version, bound)):
                return False
        return True
    if is_pattern(pattern):
        return fnmatch.fnmatchcase(pkgname, pattern)
    return pkgname == pattern


def pkg_match(pattern: str, pkgname: str) -> bool:
    """Does ``pkgname`` (name-version) match the pkg_install pattern?"""
    return any(_match_one(p, pkgname) for p in expand_braces(pattern))


def effective_pattern(name: str) -> str:
    """A bare base name ('qmail') stands for 'qmail-[0-9]*'; patterns stay as given."""
    if is_pattern(name) or re.search(r"-[0-9][^-]*$", name):
        return name
    return f"{name}-[0-9]*"


def best(pkgnames: Iterable[str]) -> str | None:
    """The highest version among names (of the same base, usually)."""
    names = list(pkgnames)
    if not names:
        return None

    def compare(a: str, b: str) -> int:
        return version_cmp(split_pkgname(a)[1], split_pkgname(b)[1])

    return max(names, key=cmp_to_key(compare))


def matching(pattern: str, pkgnames) -> list[str]:
    """Every name matching ``pattern`` (bare base names allowed), sorted."""
    eff = effective_pattern(pattern)
    found = [n for n in pkgnames if pkg_match(eff, n)]
    if not found and eff != pattern:
        found = [n for n in pkgnames if pkg_match(pattern, n)]
    return sorted(found)


# --- the database ---------------------------------------------------------------


class PkgDB(namedtuple("PkgDB", "dbdir")):
    """``<PKG_DBDIR>/<pkgname>/+FILE`` records. ``dbdir`` is a path as seen by the caller.
    (A plain record: ``dataclasses`` would cost pkg_info's every start ~16 ms of CPU.)"""

    __slots__ = ()
    dbdir: Path

    @classmethod
    def inside(cls) -> PkgDB:
        """The database of the host we run on (PKG_DBDIR, else /var/db/pkg)."""
        return cls(Path(os.environ.get("PKG_DBDIR") or DEFAULT_DBDIR))

    def installed(self) -> list[str]:
        if not self.dbdir.is_dir():
            return []
        return sorted(
            p.name for p in self.dbdir.iterdir() if p.is_dir() and (p / "+CONTENTS").is_file()
        )

    def find(self, pattern: str) -> list[str]:
        return matching(pattern, self.installed())

    def find_best(self, pattern: str) -> str | None:
        return best(self.find(pattern))

    def installed_base(self, base: str) -> str | None:
        """The installed package of that base name, if any."""
        for name in self.installed():
            if split_pkgname(name)[0] == base:
                return name
        return None

    def path(self, pkgname: str, meta: str = "") -> Path:
        return self.dbdir / pkgname / meta if meta else self.dbdir / pkgname

    def read(self, pkgname: str, meta: str) -> str | None:
        try:
            return self.path(pkgname, meta).read_text()
        except OSError:
            return None

    def write(self, pkgname: str, meta: str, text: str) -> None:
        target = self.path(pkgname, meta)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def lines(self, pkgname: str, meta: str) -> list[str]:
        return [line for line in (self.read(pkgname, meta) or "").splitlines() if line.strip()]

    def required_by(self, pkgname: str) -> list[str]:
        return self.lines(pkgname, "+REQUIRED_BY")

    def add_required_by(self, pkgname: str, dependent: str) -> None:
        current = self.required_by(pkgname)
        if dependent not in current:
            self.write(pkgname, "+REQUIRED_BY", "".join(f"{n}\n" for n in current + [dependent]))

    def remove_required_by(self, pkgname: str, dependent: str) -> None:
        current = [n for n in self.required_by(pkgname) if n != dependent]
        if current:
            self.write(pkgname, "+REQUIRED_BY", "".join(f"{n}\n" for n in current))
        else:
            self.path(pkgname, "+REQUIRED_BY").unlink(missing_ok=True)

    def with_dependents(self, pkgnames: list[str]) -> list[str]:
        """``pkgnames`` preceded by every package requiring them, transitively."""
        targets = list(pkgnames)
        queue = list(targets)
        while queue:
            for dependent in self.required_by(queue.pop()):
                if dependent not in targets:
                    targets.insert(0, dependent)
                    queue.append(dependent)
        return targets

    def unregister(self, pkgname: str, pkgdeps: list[str]) -> None:
        """Drop ``pkgname`` from its dependencies' +REQUIRED_BY and remove its record."""
        for pattern in pkgdeps:
            for dep in self.find(pattern):
                self.remove_required_by(dep, pkgname)
        import shutil

        shutil.rmtree(self.path(pkgname), ignore_errors=True)

    def installed_info(self, pkgname: str) -> dict[str, str]:
        values = {}
        for line in self.lines(pkgname, "+INSTALLED_INFO"):
            key, _, value = line.partition("=")
            values[key] = value
        return values

    def is_automatic(self, pkgname: str) -> bool:
        return self.installed_info(pkgname).get("automatic", "no").lower() == "yes"

    def set_automatic(self, pkgname: str, automatic: bool) -> None:
        info = self.installed_info(pkgname)
        info["automatic"] = "yes" if automatic else "no"
        if not automatic:
            info.pop("automatic")
        if info:
            self.write(pkgname, "+INSTALLED_INFO", "".join(f"{k}={v}\n" for k, v in info.items()))
        else:
            self.path(pkgname, "+INSTALLED_INFO").unlink(missing_ok=True)
