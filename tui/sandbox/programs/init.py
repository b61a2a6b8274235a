"""init(8) of the simulated host: boots with /etc/rc, stays up, shuts down with rc.shutdown."""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys

from .. import doasd
from ..layout import CONTROL_MOUNT
from ..proc import prepare_names
from .ifconfig import loopback_only

BOOTED = f"{CONTROL_MOUNT}/run/booted"


def _clean_stale_state() -> None:
    """What a reboot clears: pid files and sockets of processes that are gone."""
    stale = glob.glob("/var/run/*.pid") + glob.glob("/var/spool/postfix/pid/*.pid")
    for path in stale + ["/var/run/log"]:
        try:
            os.unlink(path)
        except OSError:
            pass


def main(argv: list[str]) -> int:
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    _clean_stale_state()
    doasd.start()  # the set-uid half of pkgsrc's doas (only used once it is installed)
    try:  # rc.d/network: ifconfig lo0 inet 127.0.0.1, the rest of 127/8 rejected
        loopback_only()
    except OSError as exc:
        print(f"init: lo0 keeps all of 127/8: {exc}", file=sys.stderr)
    prepare_names("logger")  # loggers run as qmaill and cannot make their own link
    subprocess.run(["/usr/sbin/syslogd", "-s"], stdin=subprocess.DEVNULL, check=False)
    if os.path.exists("/etc/rc"):
        subprocess.run(["/bin/sh", "/etc/rc", "autoboot"], stdin=subprocess.DEVNULL, check=False)
    with open(BOOTED, "w") as fh:
        fh.write(f"{os.getpid()}\n")
    while not stopping:
        signal.pause()
    if os.path.exists("/etc/rc.shutdown"):
        subprocess.run(["/bin/sh", "/etc/rc.shutdown"], stdin=subprocess.DEVNULL, check=False)
    return 0
