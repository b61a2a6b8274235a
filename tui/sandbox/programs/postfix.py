"""postfix(1): the base system's Postfix control program (start, stop, status, flush,
reload), plus what the master and smtpd stand-ins share (main.cf, logging, pid file)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from .. import faults, syslog

MAIN_CF = "/etc/postfix/main.cf"
MASTER_CF = "/etc/postfix/master.cf"
MASTER = "/usr/libexec/postfix/master"
PID_FILE = "/var/spool/postfix/pid/master.pid"
MAILDROP = "/var/spool/postfix/maildrop"
USAGE = (
    "postfix/postfix-script: fatal: usage: postfix start (or stop, reload, "
    "abort, flush, check, status, set-permissions, upgrade-configuration)"
)


def main_cf() -> dict:
    """main.cf parameters, $name references expanded."""
    params: dict[str, str] = {}
    try:
        with open(MAIN_CF) as fh:
            for line in fh:
                if line.strip() and not line.lstrip().startswith("#") and "=" in line:
                    key, _, value = line.partition("=")
                    params[key.strip()] = value.strip()
    except OSError:
        pass

    def expand(value: str, depth: int = 0) -> str:
        if depth > 5:
            return value
        for key, sub in params.items():
            value = value.replace(f"${key}", sub).replace(f"${{{key}}}", sub)
        return expand(value, depth + 1) if "$" in value else value

    return {key: expand(value) for key, value in params.items()}


def smtp_listen_address() -> tuple[str, int]:
    """The address of master.cf's ``inet`` smtpd service.  A service without a host
    part binds main.cf's ``inet_interfaces`` (``loopback-only``: 127.0.0.1; default
    ``all``); the stand-in binds one IPv4 address."""
    with open(MASTER_CF) as fh:
        for line in fh:
            fields = line.split()
            if (
                len(fields) >= 8
                and not line.startswith(("#", " ", "\t"))
                and fields[1] == "inet"
                and fields[7] == "smtpd"
            ):
                host, _, service = fields[0].rpartition(":")
                return host or _inet_interface(), 25 if service == "smtp" else int(service)
    raise ValueError("no inet smtpd service in master.cf")


def _inet_interface() -> str:
    wanted = main_cf().get("inet_interfaces", "all").replace(",", " ").split()
    if not wanted or wanted[0] == "all":
        return "0.0.0.0"
    if wanted[0] in ("loopback-only", "localhost"):
        return "127.0.0.1"
    return wanted[0]


def log(program: str, message: str, level: str = "info", pid: int | None = None) -> None:
    """A ``postfix/<program>[pid]: message`` line in maillog."""
    syslog.log("mail", level, f"postfix/{program}", message, pid or os.getpid())


def postlog(message: str, fatal: bool = False) -> None:
    """What postfix-script says through postlog: syslog, and stderr on a terminal."""
    text = f"fatal: {message}" if fatal else message
    log("postfix-script", text, "crit" if fatal else "info")
    if os.isatty(2):
        print(f"postfix/postfix-script: {text}", file=sys.stderr)


def master_pid() -> int | None:
    """The running master's pid from the pid file, or None."""
    try:
        with open(PID_FILE) as fh:
            pid = int(fh.read().split()[0])
        with open(f"/proc/{pid}/comm") as fh:
            if fh.read().strip() != "master":
                return None
    except (OSError, ValueError, IndexError):
        return None
    return pid


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except OSError:
            return True
        time.sleep(0.05)
    return False


def _start() -> int:
    if master_pid():
        postlog("the Postfix mail system is already running", fatal=True)
        return 1
    postlog("starting the Postfix mail system")
    if faults.strike("service-start-failure", "postfix"):
        log("master", "fatal: sandbox fault service-start-failure", "crit")
        postlog("mail system startup failed", fatal=True)
        return 1
    status = subprocess.run([MASTER, "-w"], stdin=subprocess.DEVNULL, check=False).returncode
    if status != 0:
        postlog("mail system startup failed", fatal=True)
        return 1
    return 0


def _stop() -> int:
    pid = master_pid()
    if not pid:
        postlog("the Postfix mail system is not running", fatal=True)
        return 1
    postlog("stopping the Postfix mail system")
    os.kill(pid, signal.SIGTERM)
    if not _wait_gone(pid, 5.0):
        postlog("timeout waiting for the Postfix mail system to stop", fatal=True)
        return 1
    return 0


def _status() -> int:
    """postfix-script's status: both answers at info level (not running is no fatal)."""
    pid = master_pid()
    if not pid:
        postlog("the Postfix mail system is not running")
        return 1
    postlog(f"the Postfix mail system is running: PID: {pid}")
    return 0


def _reload() -> int:
    pid = master_pid()
    if not pid:
        postlog("the Postfix mail system is not running", fatal=True)
        return 1
    postlog("refreshing the Postfix mail system")
    os.kill(pid, signal.SIGHUP)
    return 0


def _flush() -> int:
    if not master_pid():
        print("postqueue: fatal: Cannot flush mail queue - mail system is down", file=sys.stderr)
        log("postqueue", "fatal: Cannot flush mail queue - mail system is down", "crit")
        return 69
    return 0


COMMANDS = {"start": _start, "stop": _stop, "status": _status, "reload": _reload, "flush": _flush}


def main(argv: list[str]) -> int:
    args = [a for a in argv[1:] if not a.startswith("-")]
    if len(args) != 1:
        print("postfix: fatal: usage: postfix [-c config_dir] [-Dv] command", file=sys.stderr)
        return 1
    command = COMMANDS.get(args[0])
    if command is None:
        print(f"postfix/postfix-script: fatal: unknown command: '{args[0]}'", file=sys.stderr)
        print(USAGE, file=sys.stderr)
        return 1
    return command()
