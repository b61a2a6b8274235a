"""Which processes are a service's: found as NetBSD's rc.subr finds them.

rc.subr's ``check_process`` (``_find_processes``) reads ``ps -o pid,command`` and
matches the command, never the kernel's name for a process (``p_comm``, psutil
``name()``): that is the executable's file name, ``tcpserver`` for a listener that
``argv0 tcpserver qmailsmtpd`` started, whose argv[0] alone says ``qmailsmtpd``.

- A daemon: the command's first word is the procname, its basename, the basename
  and a colon, or the basename in parentheses (ps shows ``(name)`` when it cannot
  read a process's arguments).
- A ``#!interpreter`` script (``command_interpreter``): the command is the
  script's ``#!`` line, then the procname, then any arguments; or it starts with
  ``<interpreter basename>: `` and names the script.
"""

from __future__ import annotations

from collections.abc import Iterable

from .hosts import ProcessInfo

#: pidfiles the rc.d scripts (or the program) write: qmailsend from qmail-run 2017-08
#: on; postfix's master writes its own (rc.d/postfix reads none).
PIDFILES = {"qmailsend": "/var/run/qmailsend.pid", "postfix": "/var/spool/postfix/pid/master.pid"}
POSTFIX_MASTER = "/usr/libexec/postfix/master"


def procnames(service: str) -> tuple[str, ...]:
    """What a service's main process is called: rc.d's procname, else its command
    (argv0 ``<name>`` in qmail-run before 2017-08, ``nb<name>`` after; facts §4)."""
    if service == "qmailsend":
        return ("/usr/pkg/bin/qmail-send",)
    if service == "postfix":
        return (POSTFIX_MASTER,)
    return (service, f"nb{service}")


def command(proc: ProcessInfo) -> tuple[str, ...]:
    """The words of ``ps -o command``: the arguments, or ``(name)`` without them."""
    return proc.cmdline if proc.cmdline else (f"({proc.name})",)


def matches(proc: ProcessInfo, procname: str, interpreter: str = "") -> bool:
    """Whether rc.subr's check for ``procname`` finds ``proc``.  ``interpreter``: the
    script's ``#!`` line (without ``#!``) when ``procname`` is an interpreted script."""
    return command_matches(command(proc), procname, interpreter)


def command_matches(
    words: tuple[str, ...] | list[str], procname: str, interpreter: str = ""
) -> bool:
    """:func:`matches` on the words of ps's command line."""
    base = procname.rsplit("/", 1)[-1]
    if not interpreter:
        return words[0] in (procname, base, f"{base}:", f"({base})")
    line = " ".join(words)
    expected = " ".join(interpreter.split() + [procname])
    interp_base = interpreter.split()[0].rsplit("/", 1)[-1]
    return (
        line == expected
        or line.startswith(expected + " ")
        or (line.startswith(f"{interp_base}: ") and base in line)
    )


def find(procs: Iterable[ProcessInfo], procname: str, interpreter: str = "") -> list[ProcessInfo]:
    """check_process: every process ``procname`` matches."""
    return [p for p in procs if matches(p, procname, interpreter)]


def service_processes(procs: Iterable[ProcessInfo], service: str) -> list[ProcessInfo]:
    """The processes any of the service's procnames matches (zombies left out)."""
    procs = [p for p in procs if p.status != "zombie"]
    return [p for p in procs if any(matches(p, n) for n in procnames(service))]


def main_process(
    procs: Iterable[ProcessInfo], service: str, pidfile_pid: int | None = None
) -> ProcessInfo | None:
    """The service's main process: its pidfile's when that process matches
    (check_pidfile), else the oldest matching process whose parent does not match
    (tcpserver's children serving a connection share its argv[0])."""
    found = service_processes(procs, service)
    for proc in found:
        if proc.pid == pidfile_pid:
            return proc
    pids = {p.pid for p in found}
    roots = [p for p in found if p.ppid not in pids]
    return min(roots, key=lambda p: (p.create_time, p.pid)) if roots else None


def program(proc: ProcessInfo) -> str:
    """The name a process goes by in messages: the basename of its argv[0] (ps's first
    word), as rc.subr and an admin reading ``ps`` see it."""
    return command(proc)[0].rsplit("/", 1)[-1]
