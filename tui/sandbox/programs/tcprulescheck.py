"""tcprulescheck(1): tcprulescheck rules.cdb [ address [ host [ info ] ] ] -- show the rule used."""

from __future__ import annotations

import os
import sys

from .. import cdb
from ..qmail.rules import instructions, match


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("tcprulescheck: usage: tcprulescheck rules.cdb", file=sys.stderr)
        return 100
    ip = argv[2] if len(argv) > 2 else os.environ.get("TCPREMOTEIP", "0.0.0.0")
    host = argv[3] if len(argv) > 3 else os.environ.get("TCPREMOTEHOST")
    info = argv[4] if len(argv) > 4 else os.environ.get("TCPREMOTEINFO")
    try:
        db = cdb.Reader.open(argv[1])
    except (OSError, ValueError):
        print(f"tcprulescheck: fatal: unable to read {argv[1]}", file=sys.stderr)
        return 111
    found = match(db, ip, host, info)
    if found is None:
        print("default:\nallow connection")
        return 0
    key, data = found
    deny, env = instructions(data)
    print(f"rule {key}:")
    for name, value in env.items():
        print(f"set environment variable {name}={value}")
    print("deny connection" if deny else "allow connection")
    return 0
