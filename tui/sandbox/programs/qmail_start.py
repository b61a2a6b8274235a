"""qmail-start(8): start qmail-send, qmail-lspawn, qmail-rspawn, qmail-clean (and a logger)."""

from __future__ import annotations

import os

from ..proc import execvp, prepare_names
from ..qmail import accounts, privs


def _run(argv: list[str]) -> None:
    try:
        execvp(argv)
    except OSError:
        pass
    os._exit(111)


def main(argv: list[str]) -> int:
    os.chdir("/")
    os.umask(0o077)
    uidl = accounts.uid("QMAIL_LOG_USER")
    uidq = accounts.uid("QMAIL_QUEUE_USER")
    uidr = accounts.uid("QMAIL_REMOTE_USER")
    uids = accounts.uid("QMAIL_SEND_USER")
    gidn = accounts.gid("QMAIL_NOFILES_GROUP")
    gidq = accounts.gid("QMAIL_QMAIL_GROUP")
    try:
        os.setgroups([gidq])
        os.setgid(gidq)
    except OSError:
        return 111
    prepare_names("qmail-send", "qmail-lspawn", "qmail-rspawn", "qmail-clean")
    for fd in range(2, 7):
        os.dup2(0, fd)
    args = argv[1:]
    aliasempty = "./Mailbox"
    if args:
        aliasempty = args.pop(0)
    if args:
        log_r, log_w = os.pipe()
        if os.fork() == 0:
            try:
                privs.drop(uidl, gidn)
            except OSError:
                os._exit(111)
            os.close(log_w)
            os.dup2(log_r, 0)
            os.close(log_r)
            for fd in range(2, 7):
                os.close(fd)
            _run(args)
        os.close(log_r)
        os.dup2(log_w, 1)
        os.close(log_w)
    pipes = [os.pipe() for _ in range(6)]
    (l_in, l_out, r_in, r_out, c_in, c_out) = pipes

    def child(uid, fd0, fd1, program):
        if os.fork() == 0:
            try:
                if uid:
                    privs.drop(uid, gidq)
            except OSError:
                os._exit(111)
            os.dup2(fd0, 0)
            os.dup2(fd1, 1)
            for fd in range(2, 7):
                os.close(fd)
            for pair in pipes:
                for fd in pair:
                    if fd > 6:
                        os.close(fd)
            _run(program)

    child(0, l_in[0], l_out[1], ["qmail-lspawn", aliasempty])
    child(uidr, r_in[0], r_out[1], ["qmail-rspawn"])
    child(uidq, c_in[0], c_out[1], ["qmail-clean"])
    try:
        privs.drop(uids, gidq)
    except OSError:
        return 111
    os.dup2(1, 0)
    for fd, source in (
        (1, l_in[1]),
        (2, l_out[0]),
        (3, r_in[1]),
        (4, r_out[0]),
        (5, c_in[1]),
        (6, c_out[0]),
    ):
        os.dup2(source, fd)
    for pair in pipes:
        for fd in pair:
            if fd > 6:
                os.close(fd)
    _run(["qmail-send"])
    return 111
