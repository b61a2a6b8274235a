"""qmail's setup/config-fast FQDN: write control/me, defaultdomain, plusdomain, locals,
rcpthosts under /var/qmail/control, as qmail-1.03's config-fast.sh does."""

from __future__ import annotations

import os
import re
import sys

CONTROL = "/var/qmail/control"


def _put(name: str, value: str, append: bool = False) -> None:
    path = os.path.join(CONTROL, name)
    with open(path, "a" if append else "w") as fh:
        fh.write(value + "\n")
    os.chmod(path, 0o644)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("config-fast: usage: config-fast fqdn", file=sys.stderr)
        return 100
    fqdn = argv[1]
    print(f"Your fully qualified host name is {fqdn}.")
    print(f"Putting {fqdn} into control/me...")
    _put("me", fqdn)
    ddom = re.sub(r"^([^.]*)\.([^.]*)\.", r"\2.", fqdn, count=1)
    print(f"Putting {ddom} into control/defaultdomain...")
    _put("defaultdomain", ddom)
    pdom = re.sub(r"^.*\.([^.]*)\.([^.]*)$", r"\1.\2", fqdn)
    print(f"Putting {pdom} into control/plusdomain...")
    _put("plusdomain", pdom)
    print(f"Putting {fqdn} into control/locals...")
    _put("locals", fqdn, append=True)
    print(f"Putting {fqdn} into control/rcpthosts...")
    _put("rcpthosts", fqdn, append=True)
    print(f"Now qmail will refuse to accept SMTP messages except to {fqdn}.")
    print("Make sure to change rcpthosts if you add hosts to locals or virtualdomains!")
    return 0
