"""verify's checks of the system around qmail: the three aliases, postfix, mailer.conf
and who holds the SMTP port."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .. import procmatch
from ..facts import ALIAS_DIR, QMAIL_EXAMPLE_MAILER, is_yes
from ..files import alias as alias_file
from ..files import mailerconf
from ..hosts import ProcessInfo
from .config import listen_address
from .report import Check

if TYPE_CHECKING:
    from .checks import Verifier

ALIASES = {
    "root": "qmail never delivers to root, so root's mail bounces",
    "postmaster": "mail to postmaster (required by RFC 5321) bounces",
    "mailer-daemon": "mail to mailer-daemon bounces",
}


def alias(v: Verifier, name: str) -> Check:
    path, title = f"{ALIAS_DIR}/{alias_file.filename(name)}", f"{name} alias delivers somewhere"
    text = v.state.text(path)
    fix = (
        f"echo '&{v.state.admin_user() or 'USER'}' > {path} && chmod 644 {path} "
        "(any local user or address)"
    )
    if path in v.state.refused:
        return Check(
            f"alias-{name}",
            title,
            False,
            f"{v.state.refused[path]} (qmail-wizard reads no links, FIFOs or hard links in ~alias)",
            f"replace it by a regular file: rm {path} && {fix}",
        )
    if text is None:
        return Check(f"alias-{name}", title, False, f"{path} is missing: {ALIASES[name]}", fix)
    if alias_file.is_placeholder(text):
        what = (
            "its first line is blank: qmail defers every message"
            if text[:1] == "\n"
            else f"it holds only comments: qmail throws mail to {name} away without a bounce"
        )
        return Check(f"alias-{name}", title, False, f"{path}: {what}", fix)
    targets = alias_file.targets(text)
    shown = ", ".join(t.value for t in targets) if targets else "default delivery of ~alias"
    return Check(f"alias-{name}", title, True, f"{path} delivers to {shown}")


def postfix(v: Verifier) -> Check:
    title = "postfix stopped and not enabled"
    assigned = v.rc.setting("postfix")  # as written: rc.d/postfix expands it
    value, where = (assigned.unexpanded, assigned.where) if assigned else ("", "")
    check = re.fullmatch(r"\$\{_rc_d_postfix:?-(.*)\}", value)
    if check:  # rc.d/postfix sets it to "check": start only if mailer.conf selects it
        on = mailerconf.selects_postfix(v.state.text("/etc/mailer.conf") or "")
        setting = (
            f"{where} leaves postfix to /etc/mailer.conf, which selects "
            f"{'postfix' if on else 'another MTA'}"
        )
    else:
        on = is_yes(value)
        setting = f"{where} sets postfix={value}" if where else "no rc.conf sets postfix"
    running = v.state.running("postfix")
    problems = ([f"postfix is running ({v.status_line('postfix')})"] if running else []) + (
        [f"postfix is enabled: {setting}, so it starts at boot and takes the SMTP port"]
        if on
        else []
    )
    if not problems:
        return Check("postfix", title, True, f"postfix is stopped; {setting}")
    fixes = (["set postfix=NO in /etc/rc.conf"] if on else []) + (
        ["run /etc/rc.d/postfix stop"] if running else []
    )
    return Check("postfix", title, False, "; ".join(problems), " and ".join(fixes))


def mailer_conf(v: Verifier) -> Check:
    title, path = "/etc/mailer.conf points at qmail", "/etc/mailer.conf"
    shipped = v.state.text(QMAIL_EXAMPLE_MAILER)
    wanted = mailerconf.parse(shipped) if shipped else mailerconf.QMAIL_MAP()
    text = v.state.text(path)
    current = mailerconf.parse(text or "")
    wrong = [
        f"{name} to {current.get(name, 'nothing')}"
        for name in ("sendmail", "send-mail", "mailq")
        if current.get(name) != wanted.get(name)
    ]
    if not wrong:
        return Check("mailer-conf", title, True, f"sendmail runs {wanted['sendmail']}")
    source = (
        f"cp {QMAIL_EXAMPLE_MAILER} {path}"
        if shipped
        else f"point sendmail and send-mail at {wanted['sendmail']} in {path}"
    )
    return Check(
        "mailer-conf",
        title,
        False,
        f"{path} maps {', '.join(wrong)}, not qmail's "
        f"({wanted['sendmail']}): local mail (cron, daily reports) does not reach "
        "qmail",
        f"{source} (or edit the sendmail, send-mail and mailq lines)",
    )


def smtp_port(v: Verifier) -> Check:
    _address, port = listen_address(v.host, v.state, "qmailsmtpd")
    title = f"nothing but qmail holds SMTP port {port}"
    names = {p.pid: p for p in v.procs}
    smtpd = v.pids("qmailsmtpd")
    others = [li for li in v.listeners if li.port == port and li.pid not in smtpd]
    if not others:
        holder = f"{procmatch.program(names[smtpd[0]])} (pid {smtpd[0]})" if smtpd else "nothing"
        return Check("smtp-port", title, True, f"port {port} is held by {holder}")
    held = []
    for listener in others:
        proc = names.get(listener.pid) if listener.pid is not None else None
        who = (
            f"{procmatch.program(proc)} (pid {proc.pid}, user {proc.user})"
            if proc
            else "a process qmail-wizard cannot see (run it as root)"
        )
        held.append(f"{who} on {listener.address}:{port}")
    postfix = any(li.pid is not None and _postfix(names.get(li.pid), names) for li in others)
    fix = (
        "run /etc/rc.d/postfix stop and set postfix=NO in /etc/rc.conf"
        if postfix
        else f"stop that program or move it off port {port}"
    )
    return Check(
        "smtp-port",
        title,
        False,
        f"port {port} is held by {', '.join(held)}",
        fix + "; then /etc/rc.d/qmailsmtpd restart",
    )


def _postfix(proc: ProcessInfo | None, by_pid: dict[int, ProcessInfo]) -> bool:
    """Whether ``proc`` is postfix's master or one of its daemons (master's child)."""
    master = procmatch.POSTFIX_MASTER
    return proc is not None and (
        procmatch.matches(proc, master)
        or (proc.ppid in by_pid and procmatch.matches(by_pid[proc.ppid], master))
    )
