"""The password half of a non-root ssh login, run on the remote host by its own Python 3.

``python3 -c <this> doas -- sh -c COMMAND``: reads the password from the first line of
standard input (with echo off, after a marker line, when that is a terminal), runs
doas or sudo with a terminal of its own as controlling tty (doas reads passwords only
from /dev/tty), answers its first prompt there and ends it at a second one (a wrong
password).  The command's standard input (the rest of ours), output and exit status
pass through unchanged.  Only the standard library is used.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import sys
import termios

#: written before the password is read from a terminal (SshHost.spawn waits for it)
MARK = "qmail-wizard: password?"


def _line(fd: int) -> bytes:
    """One line read a byte at a time: what follows stays for the command."""
    data = b""
    while not data.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            break
        data += byte
    return data.rstrip(b"\r\n") + b"\n"


def _password() -> bytes:
    if not os.isatty(0):
        return _line(0)
    saved = termios.tcgetattr(0)
    quiet = list(saved)
    quiet[3] &= ~termios.ECHO
    termios.tcsetattr(0, termios.TCSANOW, quiet)
    os.write(1, (MARK + "\n").encode())
    try:
        return _line(0)
    finally:
        termios.tcsetattr(0, termios.TCSANOW, saved)


def _child(slave: int, argv: list[str]) -> None:
    os.setsid()
    fd = os.open(os.ttyname(slave), os.O_RDWR)  # Linux: the controlling tty now
    if hasattr(termios, "TIOCSCTTY"):  # BSD: made so explicitly
        try:
            fcntl.ioctl(fd, termios.TIOCSCTTY, 0)
        except OSError:
            pass
    os.close(fd)
    os.close(slave)
    try:
        os.execvp(argv[0], argv)
    except OSError as exc:
        os.write(2, f"{argv[0]}: {exc.strerror}\n".encode())
    os._exit(127)


def main() -> None:
    argv = sys.argv[1:]
    password = _password()
    master, slave = os.openpty()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    pid = os.fork()
    if pid == 0:
        os.close(master)
        _child(slave, argv)
    answered, seen = False, b""
    while True:
        ready, _, _ = select.select([master, wake_r], [], [])
        if wake_r in ready:
            os.read(wake_r, 512)
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
        if master in ready:
            seen = (seen + os.read(master, 1024))[-200:]
            if seen.rstrip().endswith(b":"):
                if answered:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    name = os.path.basename(argv[0])
                    os.write(2, f"{name}: the password was not accepted\n".encode())
                    sys.exit(1)
                os.write(master, password)
                answered, seen = True, b""
    if os.WIFEXITED(status):
        sys.exit(os.WEXITSTATUS(status))
    sys.exit(128 + os.WTERMSIG(status))


if __name__ == "__main__":
    main()
