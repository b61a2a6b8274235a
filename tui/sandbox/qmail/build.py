"""The build options of the installed qmail (``PKG_OPTIONS`` in its +BUILD_INFO)."""

from __future__ import annotations

import glob
import os

from .accounts import PKG_DBDIR


def options() -> set[str]:
    """PKG_OPTIONS of the installed qmail package (empty when none is recorded)."""
    found: set[str] = set()
    for info in sorted(glob.glob(os.path.join(PKG_DBDIR, "qmail-[0-9]*", "+BUILD_INFO"))):
        try:
            with open(info) as fh:
                for line in fh:
                    key, sep, value = line.rstrip("\n").partition("=")
                    if sep and key == "PKG_OPTIONS":
                        found.update(value.split())
        except OSError:
            continue
    return found
