"""uname(1) of the simulated NetBSD host (flavor's release, amd64)."""

from __future__ import annotations

import os
import sys

from ..layout import inside_flavor

USAGE = "usage: uname [-amnprsv]"


def fields() -> dict:
    flavor = inside_flavor()
    release = flavor.netbsd_release
    return {
        "s": "NetBSD",
        "n": os.uname().nodename,
        "r": release,
        "v": f"NetBSD {release} (GENERIC) #0: Sat Mar 11 10:45:09 UTC 2017  "
        "mkrepro@mkrepro.NetBSD.org:/usr/src/sys/arch/amd64/compile/GENERIC",
        "m": flavor.machine_arch,
        "p": "x86_64",
    }


def main(argv: list[str]) -> int:
    wanted: list[str] = []
    for arg in argv[1:]:
        if not arg.startswith("-") or arg == "-":
            print(USAGE, file=sys.stderr)
            return 1
        for letter in arg[1:]:
            if letter == "a":
                wanted += ["s", "n", "r", "v", "m"]
            elif letter in "mnprsv":
                wanted.append(letter)
            else:
                print(f"uname: unknown option -- {letter}", file=sys.stderr)
                print(USAGE, file=sys.stderr)
                return 1
    if not wanted:
        wanted = ["s"]
    values = fields()
    order = "snrvmp"
    print(" ".join(values[k] for k in order if k in wanted))
    return 0
