"""SMTP/POP3 chain wrappers that the sandbox passes through: greetdelay, rblsmtpd,
fixsmtpio, reup, checknotroot, authup.  Each runs the rest of its command line as the
real program does after its own work (no greeting delay, no DNS blocklist lookups)."""

from __future__ import annotations

import os
import sys

from . import _exec

PREFIX = "/usr/pkg/bin"


def _skip_options(args: list[str], with_value: str) -> list[str]:
    """Drop leading getopt options; letters in ``with_value`` take an argument."""
    while args and args[0].startswith("-") and len(args[0]) > 1:
        opt = args.pop(0)
        if opt == "--":
            break
        for i, letter in enumerate(opt[1:], 1):
            if letter in with_value:
                if i == len(opt) - 1 and args:
                    args.pop(0)
                break
    return args


def _rest(name: str, args: list[str]) -> list[str]:
    if name == "rblsmtpd":
        return _skip_options(args, "tra")
    if name == "reup":
        return _skip_options(args, "t")
    if name == "authup":
        # authup <protocol> <checkpassword> prog...: the POP3 half becomes qmail-popup's
        # USER/PASS dialog; SMTP AUTH is not offered (the rest runs unauthenticated).
        protocol, args = (args[0], args[1:]) if args else ("", [])
        if protocol == "pop3":
            me = _control_me()
            return [f"{PREFIX}/qmail-popup", me, *args]
        return args[1:]
    return args


def _control_me() -> str:
    try:
        with open("/usr/pkg/etc/qmail/control/me") as fh:
            return fh.readline().strip()
    except OSError:
        return os.uname().nodename


def main(argv: list[str]) -> int:
    name = os.path.basename(argv[0])
    rest = _rest(name, list(argv[1:]))
    if not rest:
        print(f"{name}: usage: {name} program [ arg ... ]", file=sys.stderr)
        return 100
    return _exec.run(f"{name}: fatal: ", rest[0], rest)
