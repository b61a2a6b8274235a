"""qmail's sendmail(8) wrapper: qmail-inject for mail, qmail-qread for -bp, qmail-smtpd for -bs."""

from __future__ import annotations

import os
import sys

from ..proc import execvp
from ..qmail.control import BIN


def main(argv: list[str]) -> int:
    args = argv[1:]
    inject = [os.path.join(BIN, "qmail-inject")]
    flag_t, sender, recipients = False, None, []
    while args:
        arg = args.pop(0)
        if arg == "--":
            recipients += args
            break
        if not arg.startswith("-") or arg == "-":
            recipients.append(arg)
            continue
        if arg in ("-bp",) or os.path.basename(argv[0]) == "mailq":
            execvp([os.path.join(BIN, "qmail-qread")])
        if arg == "-bs":
            execvp([os.path.join(BIN, "qmail-smtpd")])
        if arg in ("-bi", "-I"):
            print("sendmail: fatal: please use fastforward/newaliases instead", file=sys.stderr)
            return 100
        if arg == "-t":
            flag_t = True
        elif arg.startswith("-f") or arg.startswith("-r"):
            sender = arg[2:] or (args.pop(0) if args else "")
        elif arg.startswith("-F"):
            os.environ["QMAILNAME"] = arg[2:] or (args.pop(0) if args else "")
        elif arg[:3] in ("-oi", "-om", "-oe", "-bm", "-oQ", "-oL", "-oM") or arg in ("-i", "-v"):
            continue
    if os.path.basename(argv[0]) == "mailq":
        execvp([os.path.join(BIN, "qmail-qread")])
    command = inject + (["-f" + sender] if sender is not None else [])
    command += ["-H"] if flag_t else ["-a", "--"] + recipients
    if flag_t:
        command += recipients
    execvp(command)
    return 111
