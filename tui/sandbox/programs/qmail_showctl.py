"""qmail-showctl(8): analyze the qmail configuration files (main settings, like the real one)."""

from __future__ import annotations

import grp
import os
import pwd

from ..qmail import accounts, control

#: control file -> (default description, kind) as qmail-showctl prints them.
FILES = [
    ("badmailfrom", "Any MAIL FROM is allowed.", "list"),
    ("bouncefrom", "Bounce user name is MAILER-DAEMON.", "line:Bounce user name is {}."),
    ("bouncehost", "Bounce host name is {me}.", "line:Bounce host name is {}."),
    ("concurrencylocal", "Local concurrency is 10.", "line:Local concurrency is {}."),
    ("concurrencyremote", "Remote concurrency is 20.", "line:Remote concurrency is {}."),
    ("databytes", "SMTP DATA limit is 0 bytes.", "line:SMTP DATA limit is {} bytes."),
    ("defaultdomain", "Default domain name is {me}.", "line:Default domain name is {}."),
    ("defaulthost", "Default host name is {me}.", "line:Default host name is {}."),
    ("doublebouncehost", "2B recipient host: {me}.", "line:2B recipient host: {}."),
    ("doublebounceto", "2B recipient user: postmaster.", "line:2B recipient user: {}."),
    ("envnoathost", "Presumed domain name is {me}.", "line:Presumed domain name is {}."),
    ("helohost", "SMTP client HELO host name is {me}.", "line:SMTP client HELO host name is {}."),
    ("idhost", "Message-ID host name is {me}.", "line:Message-ID host name is {}."),
    (
        "locals",
        "Messages for {me} are delivered locally.",
        "list:Messages for {} are delivered locally.",
    ),
    ("me", "My name is {me}.", "line:My name is {}."),
    ("plusdomain", "Plus domain name is {me}.", "line:Plus domain name is {}."),
    (
        "queuelifetime",
        "Message lifetime in the queue is 604800 seconds.",
        "line:Message lifetime in the queue is {} seconds.",
    ),
    (
        "rcpthosts",
        "SMTP clients may send messages to any recipient.",
        "list:SMTP clients may send messages to recipients at {}.",
    ),
    ("smtpgreeting", "SMTP greeting: 220 {me}.", "line:SMTP greeting: 220 {}."),
    ("smtproutes", "No artificial SMTP routes.", "list:SMTP route: {}"),
    ("virtualdomains", "No virtual domains.", "list:Virtual domain: {}"),
]


def main(argv: list[str]) -> int:
    names = accounts.names()
    print(f"qmail home directory: {control.QMAILDIR}.")
    print("user-ext delimiter: -.")
    print("paternalism (in decimal): 2.")
    print("silent concurrency limit: 120.")
    print("subdirectory split: 23.")
    print(
        "user ids: "
        + ", ".join(
            str(_uid(names[v]))
            for v in (
                "QMAIL_ALIAS_USER",
                "QMAIL_DAEMON_USER",
                "QMAIL_LOG_USER",
                "QMAIL_ROOT_USER",
                "QMAIL_PASSWD_USER",
                "QMAIL_QUEUE_USER",
                "QMAIL_REMOTE_USER",
                "QMAIL_SEND_USER",
            )
        )
        + "."
    )
    print(f"group ids: {_gid(names['QMAIL_QMAIL_GROUP'])}, {_gid(names['QMAIL_NOFILES_GROUP'])}.")
    print()
    me = control.me() or "(none)"
    for name, default, kind in FILES:
        print(f"{name}: ", end="")
        if not os.path.exists(control.path(name)):
            print("(Default.) " + default.format(me=me))
            continue
        if kind.startswith("line:"):
            print(kind[5:].format(control.readline(name)))
        else:
            print()
            for item in control.readlist(name) or []:
                print(kind[5:].format(item) if ":" in kind else item)
    return 0


def _uid(name: str) -> str:
    try:
        return str(pwd.getpwnam(name).pw_uid)
    except KeyError:
        return "?"


def _gid(name: str) -> str:
    try:
        return str(grp.getgrnam(name).gr_gid)
    except KeyError:
        return "?"
