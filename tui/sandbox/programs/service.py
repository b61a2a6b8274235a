"""service(8): run or list the rc.d scripts (NetBSD 7.0 and later)."""

from __future__ import annotations

import os
import subprocess
import sys

from ..flavors import UNVERIFIED
from ..layout import inside_flavor
from .rcorder import order

CLEAN_PATH = "/sbin:/bin:/usr/sbin:/usr/bin"

#: -e: which of the given scripts are enabled, as service(8) decides it.
_ENABLED_SH = r"""
. /etc/rc.subr
load_rc_config :
for file do
	if grep -q ^rcvar "$file"; then
		eval $( grep -m 1 ^name= "$file" )
		eval $( grep -m 1 ^rcvar "$file" )
		if [ -n "${rcvar}" ]; then
			load_rc_config ${rcvar}
			checkyesno ${rcvar} 2>/dev/null && echo ${file}
		fi
	fi
done
"""


def _rc_directories() -> list[str]:
    out = subprocess.run(
        ["/bin/sh", "-c", '. /etc/rc.subr; load_rc_config :; echo "${rc_directories:-/etc/rc.d}"'],
        capture_output=True,
        text=True,
        env={"PATH": CLEAN_PATH, "HOME": "/"},
        check=False,
    )
    return out.stdout.split() or ["/etc/rc.d"]


def _usage(me: str, dirs: list[str], fast: bool) -> int:
    f = "f" if fast else ""
    print(f"usage: {me} [-elv]")
    print(f"       {me} [-ev] rc_script_name [rc_script_name2 [...]]")
    print(f"       {me} [-v{f}] rc_script_name action")
    print("       -e: List enabled scripts; check if given scripts are enabled")
    if fast:
        print("       -f: Fast mode (skip the checks for running processes)")
    print("       -l: List all scripts in rcorder")
    print("       -v: Verbose (mention in which directory script is found)")
    print(f"rc_directories is currently set to {' '.join(dirs)}")
    return 1


def _rc_files(dirs: list[str]) -> list[str]:
    files = []
    for directory in dirs:
        if os.path.isdir(directory):
            for entry in sorted(os.listdir(directory)):
                path = os.path.join(directory, entry)
                if os.path.isfile(path) and os.access(path, os.X_OK):
                    files.append(path)
    return order(files, skip=("nostart",), warn=lambda message: None)


def main(argv: list[str]) -> int:
    me = os.path.basename(argv[0])
    has_fast = UNVERIFIED["service_fast_flag"][inside_flavor().name]
    dirs = _rc_directories()
    enabled = listing = verbose = fast = False
    args = argv[1:]
    while args and args[0].startswith("-") and args[0] != "-":
        opt = args.pop(0)
        if opt == "--":
            break
        for letter in opt[1:]:
            if letter == "e":
                enabled = True
            elif letter == "l":
                listing = True
            elif letter == "v":
                verbose = True
            elif letter == "f" and has_fast:
                fast = True
            else:
                print(f"{me}: illegal option -- {letter}", file=sys.stderr)
                return _usage(me, dirs, has_fast)
    if enabled and listing:
        return _usage(me, dirs, has_fast)
    if enabled or listing:
        if verbose:
            print(f"rc_directories is {' '.join(dirs)}", file=sys.stderr)
        files = _rc_files(dirs)
        if listing:
            print("\n".join(files))
            return 0
        if args:
            files = [f for f in files if os.path.basename(f) in args]
        sys.stdout.flush()
        subprocess.run(
            ["/bin/sh", "-c", _ENABLED_SH, "service", *files],
            env={"PATH": CLEAN_PATH, "HOME": "/"},
            check=False,
        )
        return 0
    if len(args) != 2:
        return _usage(me, dirs, has_fast)
    script, action = args
    for directory in dirs:
        path = os.path.join(directory, script)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            if verbose:
                print(f"{script} is located in {directory}", file=sys.stderr)
            sys.stdout.flush()
            sys.stderr.flush()
            os.chdir("/")
            os.umask(0o022)
            env = {"HOME": "/", "PATH": CLEAN_PATH}
            if fast:
                env["rc_fast"] = "yes"
            try:
                os.execve(path, [path, action], env)
            except OSError:
                print(f"Failed to exec {path} {action}", file=sys.stderr)
                return 255
    print(f"{script} does not exist in {' '.join(dirs)}", file=sys.stderr)
    return 1
