"""What the installed qmail was built with: its package's ``+BUILD_INFO``.

A real qmail has its patches compiled in; the simulated programs are the same
Python for every build, so they read the build's record (``PKG_OPTIONS`` and the
``QMAIL_*`` names) from the package database at run time.
"""

from __future__ import annotations

import glob
import os

PKG_DBDIR = "/var/db/pkg"


def info() -> dict[str, str]:
    """VAR -> value of the installed qmail's +BUILD_INFO ({} when none is installed)."""
    found: dict[str, str] = {}
    for path in sorted(glob.glob(os.path.join(PKG_DBDIR, "qmail-[0-9]*", "+BUILD_INFO"))):
        try:
            with open(path) as fh:
                for line in fh:
                    key, sep, value = line.rstrip("\n").partition("=")
                    if sep:
                        found[key] = value
        except OSError:
            continue
    return found


def options() -> set[str]:
    """PKG_OPTIONS of the installed qmail package (empty when none is recorded)."""
    return set(info().get("PKG_OPTIONS", "").split())


def has(option: str) -> bool:
    """Whether the installed qmail was built with PKG_OPTIONS word ``option``."""
    return option in options()


def patched(name: str) -> bool:
    """Whether +BUILD_INFO's QMAILPATCHES (2020Q2 qmail's always-applied patches) has ``name``."""
    return name in info().get("QMAILPATCHES", "").split()
