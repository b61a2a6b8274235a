"""doas(1) of pkgsrc security/doas (slicer69's port, built with PAM on NetBSD): the
caller's half.  The set-uid half is the sandbox's doasd (see tui/sandbox/doasd.py):
this sends it the command and descriptors 0-2, reads the password on /dev/tty when
asked (echo off, as OpenPAM's tty conversation does), and exits with the command's
status; doas's own failures are ``doas: <reason>`` and exit 1."""

from __future__ import annotations

import json
import os
import socket
import sys
import termios

from ..doasd import SOCKET

USAGE = "usage: doas [-nSs] [-a style] [-C config] [-u user] command [args]"


def _options(argv: list[str]) -> tuple[dict, list[str]] | None:
    """getopt("+a:C:nSsu:") for what the simulation supports (-n, -u)."""
    options: dict = {"nflag": False, "target": "root"}
    rest = argv[1:]
    while rest and rest[0].startswith("-") and rest[0] != "-":
        word = rest.pop(0)
        if word == "--":
            break
        letters = word[1:]
        while letters:
            letter, letters = letters[0], letters[1:]
            if letter == "n":
                options["nflag"] = True
            elif letter == "u":
                value = letters or (rest.pop(0) if rest else None)
                if value is None:
                    return None
                options["target"], letters = value, ""
            else:
                return None
    return (options, rest) if rest else None


def _read_password(prompt: str) -> str | None:
    """The password typed on the controlling terminal; None without one."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return None
    with open(fd, "r+b", buffering=0) as tty:
        before = termios.tcgetattr(fd)
        quiet = list(before)
        quiet[3] &= ~termios.ECHO
        termios.tcsetattr(fd, termios.TCSAFLUSH, quiet)  # echo off, then the prompt
        tty.write(prompt.encode())
        try:
            line = b""
            while not line.endswith(b"\n"):
                chunk = tty.read(1)
                if not chunk:
                    break
                line += chunk
        finally:
            termios.tcsetattr(fd, termios.TCSAFLUSH, before)
            tty.write(b"\n")
    return line.rstrip(b"\r\n").decode("utf-8", "surrogateescape")


def main(argv: list[str]) -> int:
    parsed = _options(argv)
    if parsed is None:
        print(USAGE, file=sys.stderr)
        return 1
    options, command = parsed
    request = dict(options, argv=command, cwd=os.getcwd(), env=dict(os.environ))
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        try:
            conn.connect(SOCKET)
        except OSError:
            print("doas: not installed setuid", file=sys.stderr)
            return 1
        socket.send_fds(conn, [json.dumps(request).encode() + b"\n"], [0, 1, 2])
        replies = conn.makefile("rb")
        while True:
            line = replies.readline()
            if not line:
                print("doas: interrupted", file=sys.stderr)
                return 1
            reply = json.loads(line)
            if "password" in reply:
                answer = _read_password(reply["password"])
                conn.sendall(json.dumps({"password": answer}).encode() + b"\n")
                continue
            if "error" in reply:
                print(f"doas: {reply['error']}", file=sys.stderr)
            return int(reply["exit"])
