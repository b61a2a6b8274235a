"""qmail-local(8): qmail-local [ -nN ] user homedir local dash ext domain sender defaultdelivery."""

from __future__ import annotations

import sys

from ..qmail import local

USAGE = "qmail-local: usage: qmail-local [ -nN ] user dir local dash ext domain sender aliasempty"


def main(argv: list[str]) -> int:
    args = argv[1:]
    while args and args[0].startswith("-"):
        if args.pop(0) == "--":
            break
    if len(args) != 8:
        print(USAGE, file=sys.stderr)
        return 100
    user, home, local_part, dash, ext, domain, sender, aliasempty = args
    delivery = local.Delivery(
        user, home, local_part, dash, ext, domain, sender, aliasempty, sys.stdin.buffer.read()
    )
    report = local.deliver(delivery)
    sys.stdout.write(report[1:])
    return {"K": 0, "D": 100}.get(report[0], 111)
