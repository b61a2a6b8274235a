"""qmail-popup(8): qmail-popup hostname subprogram -- the POP3 authorization state."""

from __future__ import annotations

import os
import sys
import time

from ..proc import execvp, lines


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        return 100
    hostname, program = argv[1], argv[2:]
    timestamp = f"<{os.getpid()}.{int(time.time())}@{hostname}>"

    def out(text: str) -> None:
        os.write(1, text.encode())

    out(f"+OK {timestamp}\r\n")
    user = None
    for line in lines():
        verb, _, arg = line.rstrip(b"\r").decode("latin-1").partition(" ")
        verb = verb.lower()
        if verb == "quit":
            out("+OK \r\n")
            return 0
        if verb == "noop":
            out("+OK \r\n")
        elif verb == "user":
            user = arg or None
            out("+OK \r\n" if user else "-ERR syntax error\r\n")
        elif verb == "pass":
            if user is None:
                out("-ERR USER first\r\n")
                continue
            status = _check(program, user, arg, timestamp)
            if status == 0:
                return 0
            out("-ERR authorization failed\r\n")
            user = None
        elif verb == "apop":
            # user and digest go to checkpassword as user and password (0.90 has no APOP)
            name, space, digest = arg.partition(" ")
            if not space:
                out("-ERR syntax error\r\n")
            elif _check(program, name, digest, timestamp) == 0:
                return 0
            else:
                out("-ERR authorization failed\r\n")
        else:
            out("-ERR authorization first\r\n")
    return 0


def _check(program: list[str], user: str, password: str, timestamp: str) -> int:
    """Run checkpassword with user\\0pass\\0timestamp\\0 on descriptor 3; its exit status."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(w)
        if r == 3:
            os.set_inheritable(3, True)
        else:
            os.dup2(r, 3)
        try:
            execvp(program)
        except OSError:
            pass
        os._exit(111)
    os.close(r)
    os.write(w, f"{user}\0{password}\0{timestamp}\0".encode())
    os.close(w)
    _, wstat = os.waitpid(pid, 0)
    sys.stdout.flush()
    return os.waitstatus_to_exitcode(wstat)
