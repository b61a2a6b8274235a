"""pwhash(1): pwhash [-b rounds] [-k] [-m] [-S rounds] [-s salt] [-p | string].

Only the default cipher and ``-S`` are simulated: both give NetBSD's ``$sha1$`` hash
(the ``localcipher = sha1`` of NetBSD 7/9's /etc/passwd.conf, which is not read).
Without a string, each non-blank line of standard input is hashed.
"""

from __future__ import annotations

import sys

from .. import getopt3 as getopt
from .. import pwcrypt

USAGE = "usage: pwhash [-b rounds] [-k] [-m] [-S rounds] [-s salt] [-p | string]"


def main(argv: list[str]) -> int:
    try:
        opts, args = getopt.getopt(argv[1:], "kmpS:s:b:")
    except getopt.GetoptError:
        print(USAGE, file=sys.stderr)
        return 1
    rounds = 0
    for opt, value in opts:
        if opt == "-S":
            rounds = int(value) if value.isdigit() else 0
        else:
            print(f"pwhash: option {opt} is not simulated (only $sha1$)", file=sys.stderr)
            return 1
    strings = args[:1] or [line.strip() for line in sys.stdin if line.strip()]
    for string in strings:
        print(pwcrypt.sha1_crypt(string, pwcrypt.gensalt(rounds)))
    return 0
