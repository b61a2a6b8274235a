"""mailwrapper(8): run the MTA program /etc/mailer.conf maps this program's name to
(sendmail, send-mail, mailq, newaliases, hoststat, purgestat)."""

from __future__ import annotations

import os
import sys

MAILER_CONF = "/etc/mailer.conf"


def _lookup(progname: str) -> list[str]:
    """The mapping's target and extra arguments; SystemExit with mailwrapper's errors."""
    try:
        fh = open(MAILER_CONF)  # noqa: SIM115 (closed by the with below)
    except OSError as exc:
        raise SystemExit(
            f"{progname}: mailwrapper: can't open {MAILER_CONF}: {exc.strerror}"
        ) from None
    with fh:
        for line in fh:
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            if len(words) < 2:
                raise SystemExit(f"{progname}: mailwrapper: parse error in {MAILER_CONF}")
            if words[0] == progname:
                return words[1:]
    raise SystemExit(f"{progname}: mailwrapper: no mapping in {MAILER_CONF}")


def main(argv: list[str]) -> int:
    progname = os.path.basename(argv[0])
    try:
        target, *extra = _lookup(progname)
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 1
    sys.stdout.flush()
    try:
        os.execve(target, [argv[0], *argv[1:], *extra], os.environ)
    except OSError as exc:
        print(f"{progname}: mailwrapper: execing {target}: {exc.strerror}", file=sys.stderr)
        return 1
