"""Test support: turn a fresh sandbox into a host with qmail's programs, users and queue.

Done by hand (stubs, passwd lines, control files) so the qmail tests do not depend
on the package system.
"""

from __future__ import annotations

import os
import poplib
import sys

import tui
from tui.sandbox.flavors import ACCOUNT_DEFAULTS, PKG_SYSCONFDIR, QMAILDIR_LINKS
from tui.sandbox.install import write_stub
from tui.sandbox.layout import PYTHON_WRAPPER

PROGRAMS = [
    "qmail-start",
    "qmail-send",
    "qmail-lspawn",
    "qmail-rspawn",
    "qmail-clean",
    "qmail-local",
    "qmail-remote",
    "qmail-queue",
    "qmail-smtpd",
    "qmail-inject",
    "sendmail",
    "qmail-qstat",
    "qmail-qread",
    "qmail-newu",
    "qmail-newmrh",
    "qmail-tcpto",
    "qmail-tcpok",
    "qmail-showctl",
    "qmail-popup",
    "qmail-pop3d",
    "checkpassword",
    "ofmipd",
    "maildirmake",
    "tcpserver",
    "tcprules",
    "tcprulescheck",
]
GROUPS = {"QMAIL_QMAIL_GROUP": 2001, "QMAIL_NOFILES_GROUP": 2002}
USERS = {  # var: (uid, group var, home)
    "QMAIL_ALIAS_USER": (2010, "QMAIL_NOFILES_GROUP", "/var/qmail/alias"),
    "QMAIL_DAEMON_USER": (2011, "QMAIL_NOFILES_GROUP", "/var/qmail"),
    "QMAIL_LOG_USER": (2012, "QMAIL_NOFILES_GROUP", "/var/qmail"),
    "QMAIL_PASSWD_USER": (2013, "QMAIL_NOFILES_GROUP", "/var/qmail"),
    "QMAIL_QUEUE_USER": (2014, "QMAIL_QMAIL_GROUP", "/var/qmail"),
    "QMAIL_REMOTE_USER": (2015, "QMAIL_QMAIL_GROUP", "/var/qmail"),
    "QMAIL_SEND_USER": (2016, "QMAIL_QMAIL_GROUP", "/var/qmail"),
}
CONTROL = {
    "me": "mail.example.org",
    "locals": "mail.example.org\nlocalhost",
    "rcpthosts": "mail.example.org\nlocalhost",
    "defaultdelivery": "./Maildir/",
    "concurrencyincoming": "20",
}
#: rc.d-like start of qmail-send, its log piped to logger -> /var/log/maillog.
START = (
    "cd / && (env - PATH=/usr/pkg/bin:/usr/bin:/bin qmail-start ./Maildir/ 2>&1 "
    "| logger -t nbqmailsend -p mail.info) >/dev/null 2>&1 &"
)


def _append(box, path: str, text: str) -> None:
    target = box.path(path)
    target.write_text(target.read_text() + text)


def open_interpreter_path(box) -> None:
    """Let non-root daemons reach the interpreter (its mount may sit under root's 0700 home)."""
    for mount in [os.path.realpath(sys.executable), os.path.dirname(tui.__file__)]:
        parent = os.path.dirname(mount)
        while parent != "/":
            inside = box.path(parent)
            if inside.is_dir() and not inside.is_symlink():
                inside.chmod(inside.stat().st_mode | 0o055)
            parent = os.path.dirname(parent)


def setup(box, control: dict | None = None, programs=PROGRAMS) -> None:
    """Programs, accounts, /var/qmail links, control files, queue, admin's Maildir."""
    open_interpreter_path(box)
    box.sh("/etc/rc.d/postfix stop")  # the base MTA holds the SMTP port at boot
    for program in {*programs, "maildirmake"}:
        write_stub(box.path(f"/usr/pkg/bin/{program}"), program)
    names = ACCOUNT_DEFAULTS
    _append(box, "/etc/group", "".join(f"{names[v]}:*:{gid}:\n" for v, gid in GROUPS.items()))
    nologin = "/sbin/nologin"
    _append(
        box,
        "/etc/passwd",
        "".join(
            f"{names[v]}:*:{uid}:{GROUPS[g]}:qmail:{home}:{nologin}\n"
            for v, (uid, g, home) in USERS.items()
        ),
    )
    _append(
        box,
        "/etc/master.passwd",
        "".join(
            f"{names[v]}:*:{uid}:{GROUPS[g]}::0:0:qmail:{home}:{nologin}\n"
            for v, (uid, g, home) in USERS.items()
        ),
    )
    for sub in ("control", "alias", "users"):
        box.path(f"{PKG_SYSCONFDIR}/{sub}").mkdir(parents=True, exist_ok=True)
    box.path("/var/qmail").mkdir(parents=True, exist_ok=True)
    for name, target in QMAILDIR_LINKS.items():
        link = box.path(f"/var/qmail/{name}")
        if not link.is_symlink():
            link.symlink_to(target)
    for name, value in {**CONTROL, **(control or {})}.items():
        box.path(f"{PKG_SYSCONFDIR}/control/{name}").write_text(value + "\n")
    done = box.sh(
        "/.sandbox/bin/python -c 'from tui.sandbox.qmail import queue; queue.create()'"
        " && chown alias /var/qmail/alias && chmod 2755 /var/qmail/alias"
        " && maildirmake /home/admin/Maildir && chown -R admin:users /home/admin/Maildir"
    )
    assert done.returncode == 0, done.stderr


def start_send(box) -> None:
    done = box.sh(START)
    assert done.returncode == 0, done.stderr


def set_password(box, user: str, password: str) -> None:
    """``usermod -p "$(pwhash password)" user``, as root on NetBSD.  The simulated pwhash
    cannot sit at /usr/bin/pwhash (the machine's /usr/bin is mounted read-only), so it
    is run through its entry point."""
    pwhash = [PYTHON_WRAPPER, "-c", "from tui.sandbox.programs import main; main('pwhash')"]
    hashed = box.exec([*pwhash, password])
    assert hashed.returncode == 0, hashed.stderr
    done = box.exec(["usermod", "-p", hashed.stdout.strip(), user])
    assert done.returncode == 0, done.stderr


def start_sink(box, port: int, log: str) -> None:
    """The fake remote MX (smtpsink.py) on 127.0.0.1:``port`` inside the sandbox,
    recording to ``log``; returns once it answers."""
    from tests.polling import wait_for

    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "smtpsink.py")) as fh:
        box.path("/root/smtpsink.py").write_text(fh.read())
    done = box.sh(f"(/.sandbox/bin/python /root/smtpsink.py {port} {log} >/dev/null 2>&1 &)")
    assert done.returncode == 0, done.stderr
    assert wait_for(lambda: listening(box, port)), "the fake MX did not start"


def listening(box, port: int) -> bool:
    try:
        box.connect(port, "127.0.0.1", timeout=2).close()
        return True
    except OSError:
        return False


def make_certificate(box, owner: str = "", dhparams: bool = False) -> None:
    """What an admin following MESSAGE.tls does by hand: a self-signed
    control/servercert.pem for mail.example.org (certificate and key, 0640, chowned to
    ``owner`` when given); with ``dhparams`` also control/dh2048.pem (2020Q2's sslserver;
    ``-dsaparam`` for speed, update_tmprsadh makes the real one).  The machine's openssl
    has no config in the sandbox's /etc (NetBSD's is /etc/openssl/openssl.cnf): -subj
    and OPENSSL_CONF=/dev/null make it unnecessary."""
    cert = f"{PKG_SYSCONFDIR}/control/servercert.pem"
    script = (
        "OPENSSL_CONF=/dev/null openssl req -new -x509 -nodes -days 366"
        f" -subj /CN=mail.example.org -out {cert} -keyout {cert} 2>/dev/null"
        f" && chmod 640 {cert}"
    )
    if owner:
        script += f" && chown {owner} {cert}"
    if dhparams:
        script += (
            " && OPENSSL_CONF=/dev/null openssl dhparam -dsaparam"
            f" -out {PKG_SYSCONFDIR}/control/dh2048.pem 2048 2>/dev/null"
        )
    done = box.sh(script)
    assert done.returncode == 0, done.stdout + done.stderr


#: curl for SMTP with STARTTLS required (the sandbox's self-signed certificate)
CURL_TLS = ["curl", "-sS", "--ssl-reqd", "--insecure", "--max-time", "40"]
#: curl picks CRAM-MD5 when offered, which checkpassword cannot check: ask for PLAIN
PLAIN = ["--login-options", "AUTH=PLAIN"]


def sh_ok(box, script: str) -> str:
    """``script`` run by the sandbox's sh, which must succeed; its output."""
    done = box.sh(script)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


class SandboxPOP3(poplib.POP3):
    """poplib's client on a socket made inside the sandbox's network namespace."""

    def __init__(self, box, port=110, timeout=10):
        self._box = box
        super().__init__("127.0.0.1", port, timeout=timeout)

    def _create_socket(self, timeout):
        return self._box.connect(self.port, self.host, timeout=timeout)
