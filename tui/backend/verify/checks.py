"""verify's checks: does this host run a working and safe qmail? (DESIGN §8)"""

from __future__ import annotations

import re
import threading

from .. import procmatch, rcscript
from ..facts import (
    ALIAS_DIR,
    CONTROL,
    LISTENERS,
    QMAIL_EXAMPLE_MAILER,
    SERVICES,
    is_yes,
)
from ..files import alias, control, mailerconf, tcprules
from ..hosts import Host, ProcessInfo
from ..hoststate import HostState
from ..probe import probe
from .config import (
    connectable,
    control_me,
    listen,
    listen_address,
    rc_script,
    smtp_address,
)
from .delivery import send_test_message
from .report import Check
from .rules import everyone_lines, rule_for
from .smtp import OUTSIDE_RCPT, greeting, relay_attempt

ALIASES = {
    "root": "qmail never delivers to root, so root's mail bounces",
    "postmaster": "mail to postmaster (required by RFC 5321) bounces",
    "mailer-daemon": "mail to mailer-daemon bounces",
}
#: a client address no usual tcp.smtp rule names
NON_RELAY_CLIENT = "127.0.0.2"


class Verifier:
    """The checks of one host as one probe and one process scan saw it."""

    def __init__(
        self, host: Host, state: HostState, delivery_timeout: float, cancel: threading.Event | None
    ):
        self.host, self.state = host, state
        self.delivery_timeout, self.cancel = delivery_timeout, cancel
        self.procs = host.processes()
        self.listeners = host.listeners()
        self.rc = state.rc_conf()
        self.smtpd = self.rc.yes("qmailsmtpd")
        self.rules_path, self.cdb_path = state.rules_paths()

    def status_line(self, name: str) -> str:
        return self.state.status_line(name)

    def pids(self, name: str) -> list[int]:
        """The service's processes as rc.subr finds them, its main process first."""
        found = procmatch.service_processes(self.procs, name)
        main = procmatch.main_process(found, name)
        return [p.pid for p in sorted(found, key=lambda p: p is not main)]

    def qmail_send(self) -> Check:
        title = "qmail-send running"
        pids = procmatch.service_processes(self.procs, "qmailsend")
        if self.state.running("qmailsend") and pids:
            return Check(
                "qmail-send",
                title,
                True,
                f"qmail-send runs as pid {pids[0].pid} (user {pids[0].user})",
            )
        detail = (
            f"qmail-send is not running ({self.status_line('qmailsend')}): no mail is "
            "delivered or sent while it is down"
        )
        if not self.rc.yes("qmailsend"):
            return Check(
                "qmail-send",
                title,
                False,
                detail + "; qmailsend is not enabled in /etc/rc.conf",
                "set qmailsend=YES in /etc/rc.conf, then run /etc/rc.d/qmailsend start",
            )
        return Check(
            "qmail-send",
            title,
            False,
            detail,
            "/etc/rc.d/qmailsend start (if it stops again, read /var/log/maillog)",
        )

    def listener(self, name: str) -> Check:
        where = listen(self.host, self.state, name)
        address, port = where.address, where.port
        title, cid = f"{name} listening on {address}:{port}", f"listener-{name}"
        if not self.rc.yes(name):
            return Check(cid, title, True, f"skipped: {name} is not enabled in /etc/rc.conf")
        pids = self.pids(name)
        if not self.state.running(name) or not pids:
            return Check(
                cid,
                title,
                False,
                f"{name} is enabled in /etc/rc.conf but not running ({self.status_line(name)})",
                f"/etc/rc.d/{name} start (if it fails, read /var/log/maillog)",
            )
        says = "/etc/rc.conf" if where.from_rc_conf else f"/etc/rc.d/{name}"
        wanted = {"0.0.0.0", "::"} if connectable(address) != address else {address}
        bound = [l for l in self.listeners if l.pid in pids]
        if any(l.port == port and l.address in wanted for l in bound):
            return Check(
                cid, title, True, f"pid {pids[0]} listens on {address}:{port} as {says} says"
            )
        where_now = ", ".join(f"{l.address}:{l.port}" for l in bound) or "no address"
        if where.knobs:
            reads = f"it reads {' and '.join(where.knobs)} from /etc/rc.conf when it starts"
        else:
            reads = f"/etc/rc.d/{name} fixes {address}:{port}; no /etc/rc.conf setting changes it"
        return Check(
            cid,
            title,
            False,
            f"{name} (pid {pids[0]}) listens on {where_now}, "
            f"not on {address}:{port} as {says} says",
            f"/etc/rc.d/{name} restart ({reads})",
        )

    def log_accounts(self) -> Check:
        """Each enabled service's logger runs as an account that exists (2017Q1's
        qmailpop3d runs a literal ``setuidgid qmaill`` whatever QMAIL_LOG_USER was)."""
        title = "rc.d loggers run as existing accounts"
        users, missing = self.state.users(), []
        for name in SERVICES:
            if self.rc.yes(name):
                script = rc_script(self.host, self.state, name)
                missing += [
                    (name, user) for user in sorted(rcscript.log_users(script)) if user not in users
                ]
        if not missing:
            return Check(
                "log-accounts",
                title,
                True,
                "every enabled service's logger runs as an account in /etc/passwd",
            )
        built = self.state.build_info.get("qmail", {}).get("QMAIL_LOG_USER", "qmaill")
        detail = "; ".join(
            f"/etc/rc.d/{name} runs its logger as {user}, which is not in /etc/passwd"
            for name, user in missing
        )
        return Check(
            "log-accounts",
            title,
            False,
            detail + f" (qmail was built with "
            f"QMAIL_LOG_USER={built}): that service's log lines are lost",
            f"in /etc/rc.d/{missing[0][0]} change 'setuidgid {missing[0][1]}' "
            f"to 'setuidgid {built}' (the log account qmail was built with), "
            f"then /etc/rc.d/{missing[0][0]} restart",
        )

    def smtp_greeting(self) -> Check:
        address, port = smtp_address(self.host, self.state)
        title, me = "SMTP greeting names control/me", control_me(self.state)
        if not self.smtpd:
            return Check("smtp-greeting", title, True, "skipped: qmailsmtpd is not enabled")
        line = greeting(self.host, address, port)
        if not line:
            return Check(
                "smtp-greeting",
                title,
                False,
                f"nothing answers SMTP on {address}:{port}",
                "/etc/rc.d/qmailsmtpd start, then read /var/log/maillog if it does not answer",
            )
        words = line.split()
        if line.startswith("220") and len(words) > 1 and words[1] == me:
            return Check("smtp-greeting", title, True, f"{address}:{port} answers {line!r}")
        return Check(
            "smtp-greeting",
            title,
            False,
            f"{address}:{port} answers {line!r}, not '220 {me}' (control/me): "
            "another MTA holds the port, or control/smtpgreeting overrides the name",
            f"stop the other MTA (see check smtp-port), or correct {CONTROL}/smtpgreeting",
        )

    def rcpthosts(self) -> Check:
        path, title = f"{CONTROL}/rcpthosts", "rcpthosts lists this host's domains"
        if not (self.smtpd or self.rc.yes("qmailofmipd")):
            return Check("rcpthosts", title, True, "skipped: no SMTP listener is enabled")
        text = self.state.text(path)
        example = control_me(self.state) or "example.org"
        fix = f"put your domains in {path}, one per line (e.g. echo {example} >> {path})"
        if text is None:
            return Check(
                "rcpthosts",
                title,
                False,
                f"{path} is missing: qmail-smtpd accepts mail for any domain, an open relay",
                fix,
            )
        domains = control.lines(text)
        if not domains:
            return Check(
                "rcpthosts",
                title,
                False,
                f"{path} is empty: qmail-smtpd refuses "
                "every recipient from outside, so no mail for your domains arrives",
                fix,
            )
        return Check("rcpthosts", title, True, f"{len(domains)} domains: {', '.join(domains)}")

    def relay_rules(self) -> Check:
        title, source = "no tcp.smtp rule lets everyone relay", self.rules_path
        if not self.smtpd:
            return Check("relay-rules", title, True, "skipped: qmailsmtpd is not enabled")
        text = self.state.text(source)
        cdb = "/etc/rc.d/qmailsmtpd cdb"
        if text is None:
            return Check(
                "relay-rules",
                title,
                False,
                f"{source} is missing",
                f'create {source} with 127.:allow,RELAYCLIENT="" and :allow, then run {cdb}',
            )
        everyone = everyone_lines(text)
        if everyone:
            number, row = everyone[0]
            return Check(
                "relay-rules",
                title,
                False,
                f"{source} line {number} ({row.strip()}) grants RELAYCLIENT to every "
                "client: anyone can relay mail through this host (open relay)",
                f"delete line {number} from {source} (keep RELAYCLIENT for your own "
                f'networks only, e.g. 127.:allow,RELAYCLIENT=""), then run {cdb}',
            )
        try:
            relays = [r.address for r in tcprules.parse(text) if tcprules.RELAY in r.env]
        except tcprules.RulesError as exc:
            return Check(
                "relay-rules",
                title,
                False,
                f"{source}: {exc}",
                f"correct that line of {source}, then run {cdb}",
            )
        if not self.state.cdbs.get(self.cdb_path, False):
            missing = self.cdb_path not in self.state.cdbs
            return Check(
                "relay-rules",
                title,
                False,
                f"{self.cdb_path} is "
                f"{'missing' if missing else 'older than ' + source}: the rules in "
                "force are not the ones in the file",
                f"run {cdb}",
            )
        return Check(
            "relay-rules",
            title,
            True,
            f"RELAYCLIENT only for {', '.join(repr(a) for a in relays) or 'no client'} ({source})",
        )

    def relay_refused(self, rcpthosts: Check, rules: Check) -> Check:
        title = "relay refused for a non-relay client"
        if not self.smtpd:
            return Check("relay-refused", title, True, "skipped: qmailsmtpd is not enabled")
        why = self._live_relay_impossible()
        if why is None:
            address, port = smtp_address(self.host, self.state)
            try:
                code, reply = relay_attempt(self.host, address, port, NON_RELAY_CLIENT)
            except OSError as exc:
                why = f"connecting from {NON_RELAY_CLIENT} to {address}:{port} failed ({exc})"
            else:
                said = reply.replace("\n", " ")
                if 500 <= code < 600:
                    return Check(
                        "relay-refused",
                        title,
                        True,
                        f"from {NON_RELAY_CLIENT}, RCPT TO:<{OUTSIDE_RCPT}> was refused: {said}",
                    )
                return Check(
                    "relay-refused",
                    title,
                    False,
                    f"OPEN RELAY: from {NON_RELAY_CLIENT}, a client that must not "
                    f"relay, {address}:{port} answered RCPT "
                    f"TO:<{OUTSIDE_RCPT}> with {said!r}",
                    f"list only your domains in {CONTROL}/rcpthosts, remove "
                    f"RELAYCLIENT from broad rules in {self.rules_path}, then run "
                    "/etc/rc.d/qmailsmtpd cdb",
                )
        static = f"only the static check was done ({why})"
        for check in (rcpthosts, rules):
            if not check.ok:
                return Check("relay-refused", title, False, f"{static}: {check.detail}", check.fix)
        return Check("relay-refused", title, True, f"{static}: rcpthosts is set and {rules.detail}")

    def _live_relay_impossible(self) -> str | None:
        """Why no non-relay client can be tried from this host (None: it can)."""
        if not self.pids("qmailsmtpd"):
            return "qmailsmtpd is not running"
        try:
            rules = tcprules.parse(self.state.text(self.rules_path) or "")
        except tcprules.RulesError:
            return f"{self.rules_path} cannot be parsed"
        rule = rule_for(rules, NON_RELAY_CLIENT)
        if (
            rule
            and rule.action == "allow"
            and tcprules.RELAY in rule.env
            and not tcprules.grants_everyone(rule)
        ):
            return (
                f"the only client address this host can connect from, {NON_RELAY_CLIENT}, "
                f"may relay by the rule '{tcprules.render_rule(rule)}'"
            )
        if rule and rule.action == "deny":
            return f"{NON_RELAY_CLIENT} is denied by the rule '{tcprules.render_rule(rule)}'"
        return None

    def alias(self, name: str) -> Check:
        path, title = f"{ALIAS_DIR}/{alias.filename(name)}", f"{name} alias delivers somewhere"
        text = self.state.text(path)
        fix = (
            f"echo '&{self.state.admin_user() or 'USER'}' > {path} && chmod 644 {path} "
            "(any local user or address)"
        )
        if path in self.state.refused:
            return Check(
                f"alias-{name}",
                title,
                False,
                f"{self.state.refused[path]} "
                "(qmail-wizard reads no links, FIFOs or hard links in ~alias)",
                f"replace it by a regular file: rm {path} && {fix}",
            )
        if text is None:
            return Check(f"alias-{name}", title, False, f"{path} is missing: {ALIASES[name]}", fix)
        if alias.is_placeholder(text):
            what = (
                "its first line is blank: qmail defers every message"
                if text[:1] == "\n"
                else f"it holds only comments: qmail throws mail to {name} away without a bounce"
            )
            return Check(f"alias-{name}", title, False, f"{path}: {what}", fix)
        targets = alias.targets(text)
        shown = ", ".join(t.value for t in targets) if targets else "default delivery of ~alias"
        return Check(f"alias-{name}", title, True, f"{path} delivers to {shown}")

    def postfix(self) -> Check:
        title = "postfix stopped and not enabled"
        assigned = self.rc.setting("postfix")  # as written: rc.d/postfix expands it
        value, where = (assigned.unexpanded, assigned.where) if assigned else ("", "")
        check = re.fullmatch(r"\$\{_rc_d_postfix:?-(.*)\}", value)
        if check:  # rc.d/postfix sets it to "check": start only if mailer.conf selects it
            on = mailerconf.selects_postfix(self.state.text("/etc/mailer.conf") or "")
            setting = (
                f"{where} leaves postfix to /etc/mailer.conf, which selects "
                f"{'postfix' if on else 'another MTA'}"
            )
        else:
            on = is_yes(value)
            setting = f"{where} sets postfix={value}" if where else "no rc.conf sets postfix"
        running = self.state.running("postfix")
        problems = ([f"postfix is running ({self.status_line('postfix')})"] if running else []) + (
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

    def mailer_conf(self) -> Check:
        title, path = "/etc/mailer.conf points at qmail", "/etc/mailer.conf"
        shipped = self.state.text(QMAIL_EXAMPLE_MAILER)
        wanted = mailerconf.parse(shipped) if shipped else mailerconf.QMAIL_MAP()
        text = self.state.text(path)
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

    def smtp_port(self) -> Check:
        _address, port = listen_address(self.host, self.state, "qmailsmtpd")
        title = f"nothing but qmail holds SMTP port {port}"
        names = {p.pid: p for p in self.procs}
        smtpd = self.pids("qmailsmtpd")
        others = [l for l in self.listeners if l.port == port and l.pid not in smtpd]
        if not others:
            holder = (
                f"{procmatch.program(names[smtpd[0]])} (pid {smtpd[0]})" if smtpd else "nothing"
            )
            return Check("smtp-port", title, True, f"port {port} is held by {holder}")
        held = []
        for listener in others:
            proc = names.get(listener.pid)
            who = (
                f"{procmatch.program(proc)} (pid {proc.pid}, user {proc.user})"
                if proc
                else "a process qmail-wizard cannot see (run it as root)"
            )
            held.append(f"{who} on {listener.address}:{port}")
        postfix = any(_postfix(names.get(l.pid), names) for l in others)
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

    def delivery(self, running: bool) -> Check:
        title = "test message to postmaster delivered"
        if not running:
            return Check(
                "delivery",
                title,
                False,
                "not tried: qmail-send is not running",
                "/etc/rc.d/qmailsend start, then qmail-wizard verify",
            )
        got = send_test_message(
            self.host, "postmaster", self.delivery_timeout, self.state, self.cancel
        )
        return Check("delivery", title, got.ok, got.detail, got.fix)


def _postfix(proc: ProcessInfo | None, by_pid: dict[int, ProcessInfo]) -> bool:
    """Whether ``proc`` is postfix's master or one of its daemons (master's child)."""
    master = procmatch.POSTFIX_MASTER
    return proc is not None and (
        procmatch.matches(proc, master)
        or (proc.ppid in by_pid and procmatch.matches(by_pid[proc.ppid], master))
    )


def verify(
    host: Host,
    state: HostState | None = None,
    delivery_timeout: float = 10.0,
    cancel: threading.Event | None = None,
    delivery: bool = True,
) -> list[Check]:
    """Every check, in a stable order; a test message to postmaster comes last
    (unless ``delivery`` is False: apply skips it after a run that changed nothing)."""
    state = state or probe(host)
    if "qmail" not in state.packages:
        return [
            Check(
                "qmail-installed",
                "qmail installed",
                False,
                "qmail is not installed (pkg_info lists no qmail package)",
                "qmail-wizard apply PROFILE (e.g. profiles/default.yaml)",
            )
        ]
    v = Verifier(host, state, delivery_timeout, cancel)
    checks = [v.qmail_send()]
    checks += [v.listener(name) for name in LISTENERS if name == "qmailsmtpd" or v.rc.yes(name)]
    checks += [v.log_accounts(), v.smtp_greeting()]
    rcpthosts, rules = v.rcpthosts(), v.relay_rules()
    checks += [rcpthosts, v.relay_refused(rcpthosts, rules), rules]
    checks += [v.alias(name) for name in ALIASES]
    checks += [v.postfix(), v.mailer_conf(), v.smtp_port()]
    if delivery and (cancel is None or not cancel.is_set()):
        checks.append(v.delivery(checks[0].ok))
    return checks
