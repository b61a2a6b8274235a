"""The packages a run added: what pkg_info lists, and the command that removes them.

Undo leaves packages installed (removing qmail would take its queue and users'
mail with it); it names them and the pkg_delete command instead.
"""

from __future__ import annotations

from ..hosts import Host

#: removed first: they depend on the others (pkg_delete takes dependents first)
DEPENDENTS_FIRST = ("qmail-run", "qmail")


def installed(host: Host) -> list[str] | None:
    """The package names pkg_info lists (name-version), or None when it fails."""
    result = host.run(["pkg_info"])
    if result.rc != 0:
        return None
    return sorted(line.split()[0] for line in result.stdout.splitlines() if line.split())


def added(before: list[str], now: list[str]) -> list[str]:
    """Packages in ``now`` and not ``before``, the ones depending on others first."""
    old = set(before)
    new = [name for name in now if name not in old]
    return sorted(new, key=lambda name: (_rank(name), name))


def pkg_delete(names: list[str]) -> str:
    return " ".join(["pkg_delete", *names])


def _rank(name: str) -> int:
    base = name.rpartition("-")[0]
    return DEPENDENTS_FIRST.index(base) if base in DEPENDENTS_FIRST else len(DEPENDENTS_FIRST)
