"""The qmail account names compiled into the installed build, ids looked up at run time.

pkgsrc's patch-auto_uids keeps the *names* (``QMAIL_*`` build variables, recorded
in the package's ``+BUILD_INFO``) and looks up numeric ids with getpwnam/getgrnam;
a missing name makes the program exit 113 (facts §3.1).
"""

from __future__ import annotations

import grp
import pwd
import sys

from ..flavors import ACCOUNT_DEFAULTS
from . import build

EXIT_NO_ACCOUNT = 113


def names() -> dict[str, str]:
    """QMAIL_* -> name, from the installed qmail's +BUILD_INFO (defaults otherwise)."""
    recorded = build.info()
    return {key: recorded.get(key) or value for key, value in ACCOUNT_DEFAULTS.items()}


def name(var: str) -> str:
    return names()[var]


def uid(var: str) -> int:
    """Numeric uid of a QMAIL_*_USER; exits 113 when the account does not exist."""
    try:
        return pwd.getpwnam(name(var)).pw_uid
    except KeyError:
        sys.exit(EXIT_NO_ACCOUNT)


def gid(var: str) -> int:
    """Numeric gid of a QMAIL_*_GROUP; exits 113 when the group does not exist."""
    try:
        return grp.getgrnam(name(var)).gr_gid
    except KeyError:
        sys.exit(EXIT_NO_ACCOUNT)
