"""Where a host's :class:`~.vocabulary.Catalog` comes from: ``make show-options`` in
its pkgsrc tree, a binary package's ``+BUILD_INFO``, or the built-in table of its era,
each merged with :mod:`.tables` (help, costs, implications, what became of a name).

Readers parse text only; the probe runs the commands through the Host and feeds them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..facts import PKGSRC
from .tables import ERAS, OPTIONS, TABLES, Era
from .vocabulary import Catalog, CatalogError, closure

if TYPE_CHECKING:
    from ..hoststate import HostState

#: Names only the 2017Q1-era packages offer: their presence identifies that era.
_OLD_ONLY = frozenset(TABLES["2017Q1"].general) | frozenset(TABLES["2017Q1"].groups["rcpt"])
_OLD_ONLY -= frozenset(TABLES["2020Q2"].general) | {"sasl", "djbware-errno-hack"}


def _guess_era(names) -> str:
    return "2017Q1" if set(names) & _OLD_ONLY else "2020Q2"


def _assemble(
    source: str,
    supported,
    defaults,
    groups: dict,
    era: str,
    host_descriptions: dict | None = None,
    current=None,
) -> Catalog:
    supported = tuple(sorted(set(supported)))
    implies = {
        a: b for a, b in TABLES["2017Q1"].implies.items() if a in supported and b in supported
    }
    descriptions = {
        n: OPTIONS[n].text if n in OPTIONS else (host_descriptions or {}).get(n, "")
        for n in supported
    }
    costs = {n: OPTIONS[n].cost for n in supported if n in OPTIONS}
    removed = {n: t for n, t in TABLES[era].absent.items() if n not in supported}
    return Catalog(
        source,
        supported,
        closure(defaults, implies),
        groups,
        implies,
        descriptions,
        costs,
        removed,
        None if current is None else closure(current, implies),
    )


def _table(era: str) -> tuple[Era, list[str]]:
    """The built-in table of ``era`` and every name it offers."""
    if era not in TABLES:
        raise CatalogError(f"unknown pkgsrc era {era!r}; known: {', '.join(ERAS)}")
    e = TABLES[era]
    return e, list(e.general) + [m for members in e.groups.values() for m in members]


def builtin(era: str) -> Catalog:
    """The built-in catalog of one pkgsrc era ("2017Q1" or "2020Q2")."""
    e, names = _table(era)
    return _assemble(f"built-in table ({era})", names, e.defaults, dict(e.groups), era)


#: bsd.options.mk's group and set headers (``${_grp_:Q}`` outside the shell's quotes,
#: so the name is printed bare).  Required and optional groups resolve alike (the last
#: member asked for wins), so both are pick-one groups here; the members of a set are
#: independent options.
_GROUP_HEADERS = (
    (re.compile(r"^Exactly one of the following ([\w.+-]+) options is required:$"), "group"),
    (re.compile(r"^At most one of the following ([\w.+-]+) options may be selected:$"), "group"),
    (
        re.compile(r"^At least one of the following ([\w.+-]+) options must be selected:$"),
        "general",
    ),
)


def _group_header(line: str):
    """The block a group or set header opens (``("group", name)`` or "general"), or None."""
    for pattern, kind in _GROUP_HEADERS:
        match = pattern.match(line)
        if match:
            return ("group", match.group(1)) if kind == "group" else "general"
    return None


def from_show_options(text: str, source: str) -> Catalog:
    """Parse the output of ``make show-options`` in the qmail pkgsrc directory.

    Option lines are ``<TAB>name<TAB>description`` (the description may start with a
    space, or be missing); the enabled lists are word-wrapped, tab-indented lines.
    """
    supported: list[str] = []
    descriptions: dict[str, str] = {}
    groups: dict[str, tuple[str, ...]] = {}
    lists: dict[str, list[str]] = {}
    block = None
    for line in text.splitlines():
        if line.startswith("\t") and block is not None:
            if block in ("default", "current"):
                lists[block].extend(line.split())
                continue
            name, _, desc = line[1:].partition("\t")
            name = name.strip()
            if not name or " " in name:
                continue
            supported.append(name)
            descriptions[name] = desc.strip()
            if isinstance(block, tuple):
                groups[block[1]] = groups.get(block[1], ()) + (name,)
            continue
        if line == "Any of the following general options may be selected:":
            block = "general"
        elif _group_header(line):
            block = _group_header(line)
        elif line == "These options are enabled by default:":
            block, lists["default"] = "default", []
        elif line == "These options are currently enabled:":
            block, lists["current"] = "current", []
        elif not line.strip() or line.startswith("WARN:"):
            block = None if block in ("default", "current") else block
        else:
            block = None
    if "does not use the options framework" in text:
        raise CatalogError(f"{source}: the package has no build options")
    if not supported or "default" not in lists:
        raise CatalogError(f"{source}: not the output of make show-options (no option list found)")
    return _assemble(
        source,
        supported,
        lists["default"],
        groups,
        _guess_era(supported),
        descriptions,
        lists.get("current"),
    )


def from_build_info(pkg_options: str, source: str, era: str | None = None) -> Catalog:
    """A catalog from a binary package's PKG_OPTIONS (``pkg_info -Q PKG_OPTIONS``).

    The package tells only its enabled set, which for a repository package is the
    default set; the rest comes from the built-in table of ``era`` (guessed from the
    options present when not given).
    """
    enabled = pkg_options.split()
    era = era or _guess_era(enabled)
    e, names = _table(era)
    return _assemble(source, names + enabled, enabled, dict(e.groups), era, current=enabled)


def for_host(state: HostState) -> Catalog:
    """The option catalog of a probed host: its pkgsrc tree's, else its binary
    package's, else the built-in table of its era."""
    if state.show_options:
        return from_show_options(
            state.show_options, f"pkgsrc tree {PKGSRC}/qmail (make show-options)"
        )
    for path, words in sorted(state.binary_options.items()):
        return from_build_info(words, f"binary package {path} (+BUILD_INFO)", state.era())
    return builtin(state.era())
