"""Root-only directories on the host (mode 0700) and commands that must succeed."""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence

from .hosts import Host, HostError, Result

#: directories already made private on each host by this process (one command each
#: time would cost a round trip per journal save)
_made: weakref.WeakKeyDictionary[Host, set[str]] = weakref.WeakKeyDictionary()


def run_checked(host: Host, argv: Sequence[str]) -> Result:
    """Run ``argv``; a non-zero exit raises HostError naming the command and its error."""
    result = host.run(argv)
    if result.rc != 0:
        raise HostError(
            f"'{' '.join(argv)}' failed with status {result.rc}: "
            f"{(result.stderr or result.stdout).strip()}"
        )
    return result


def make_private_dirs(host: Host, paths: Iterable[str]) -> None:
    """Create ``paths`` (with parents) and set each one listed to mode 0700, in one
    command; paths this process already made on ``host`` are skipped."""
    made = _made.setdefault(host, set())
    paths = [path for path in dict.fromkeys(paths) if path not in made]
    if not paths:
        return
    run_checked(host, ["sh", "-c", 'mkdir -p -- "$@" && chmod 0700 -- "$@"', "sh", *paths])
    made.update(paths)


def lineage(top: str, path: str) -> list[str]:
    """``top`` and every directory between it and ``path`` (``path`` included)."""
    dirs = [top]
    rest = path[len(top) :].strip("/")
    for part in rest.split("/") if rest else []:
        dirs.append(f"{dirs[-1]}/{part}")
    return dirs
