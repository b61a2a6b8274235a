"""Root-only directories on the host (mode 0700) and commands that must succeed."""
from __future__ import annotations

from typing import Iterable, Sequence

from .hosts import Host, HostError, Result


def run_checked(host: Host, argv: Sequence[str]) -> Result:
    """Run ``argv``; a non-zero exit raises HostError naming the command and its error."""
    result = host.run(argv)
    if result.rc != 0:
        raise HostError(f"'{' '.join(argv)}' failed with status {result.rc}: "
                        f"{(result.stderr or result.stdout).strip()}")
    return result


def make_private_dirs(host: Host, paths: Iterable[str]) -> None:
    """Create ``paths`` (with parents) and set each one listed to mode 0700."""
    paths = list(dict.fromkeys(paths))
    run_checked(host, ["mkdir", "-p", "--", *paths])
    run_checked(host, ["chmod", "0700", "--", *paths])


def lineage(top: str, path: str) -> list[str]:
    """``top`` and every directory between it and ``path`` (``path`` included)."""
    dirs = [top]
    rest = path[len(top):].strip("/")
    for part in rest.split("/") if rest else []:
        dirs.append(f"{dirs[-1]}/{part}")
    return dirs
