"""nbcheckpassword: pkg_alternatives' wrapper (checkpassword's ALTERNATIVES file names
``bin/nbcheckpassword @PREFIX@/bin/checkpassword``); runs the first alternative.
The wrapper's user/system alternatives files are not read: it is always checkpassword."""

from __future__ import annotations

import os

from . import _exec

TARGET = "/usr/pkg/bin/checkpassword"


def main(argv: list[str]) -> int:
    return _exec.run("nbcheckpassword: ", TARGET, [os.path.basename(TARGET), *argv[1:]])
