"""``verify``: does this host run a working and safe qmail? (issue 5, DESIGN §8)

Every check has a stable id, passes or fails, says what it saw and, when it fails,
the fix (a command to run or the file to edit).  A check that does not apply passes
with a detail saying it was skipped.  All I/O goes through the Host: one probe, the
psutil views, SMTP connections and one qmail-inject for the test delivery.
"""
from __future__ import annotations

import posixpath
import re
import secrets
import threading
import time
from dataclasses import asdict, dataclass

from . import procmatch, rcscript
from .files import alias, control, mailerconf, rcconf, tcprules
from .hosts import Host, HostError, ProcessInfo
from .hosts.safefile import Refused
from .plan import ALIAS_DIR, CONTROL, QMAILDIR, rules_paths
from .probe import HostState, probe

LISTENERS = ("qmailsmtpd", "qmailqread", "qmailpop3d", "qmailofmipd")
SERVICES = ("qmailsend",) + LISTENERS
#: qmail-run's listen defaults, used only when the rc.d script cannot be read
LISTEN_DEFAULTS = {"qmailsmtpd": ("0", "25"), "qmailqread": ("127.0.0.1", "20025"),
                   "qmailpop3d": ("0", "110"), "qmailofmipd": ("127.0.0.1", "26")}
ALIASES = {"root": "qmail never delivers to root, so root's mail bounces",
           "postmaster": "mail to postmaster (required by RFC 5321) bounces",
           "mailer-daemon": "mail to mailer-daemon bounces"}
#: a client address no usual tcp.smtp rule names, and a domain no host is local for
NON_RELAY_CLIENT = "127.0.0.2"
OUTSIDE_RCPT = "relay-test@qmail-wizard.invalid"
MAILLOG = "/var/log/maillog"
QMAIL_EXAMPLE_MAILER = "/usr/pkg/share/examples/qmail-run/mailer.conf"
INJECT = ("/usr/pkg/bin/qmail-inject", f"{QMAILDIR}/bin/qmail-inject")
YES = ("YES", "TRUE", "ON", "1")


@dataclass
class Check:
    id: str
    title: str
    ok: bool
    detail: str
    fix: str = ""      # "" when ok


@dataclass
class Delivery:
    ok: bool
    recipient: str
    target: str        # where the alias/user resolves to (Maildir or mbox paths)
    path: str          # the delivered file ("" when it did not arrive)
    seconds: float
    detail: str
    fix: str = ""


def render_text(checks: list[Check]) -> str:
    """One line per check (failures followed by their fix), then a summary line."""
    out = []
    for check in checks:
        out.append(f"{'PASS' if check.ok else 'FAIL'}  {check.id}: {check.title}: {check.detail}")
        if not check.ok:
            out.append(f"      fix: {check.fix}")
    failed = [c.id for c in checks if not c.ok]
    out.append(f"{len(failed)} of {len(checks)} checks failed: {', '.join(failed)}" if failed
               else f"all {len(checks)} checks pass")
    return "\n".join(out) + "\n"


def to_json(checks: list[Check]) -> list[dict]:
    return [asdict(check) for check in checks]


# -- reading the host's configuration ---------------------------------------------------
def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def rc_setting(state: HostState, var: str) -> tuple[str | None, str]:
    """(value, where) of an rc.conf variable over /etc/defaults/rc.conf; a value like
    ``${_rc_d_postfix:-YES}`` is returned as written."""
    for path in ("/etc/rc.conf", "/etc/defaults/rc.conf"):
        text = state.text(path) or ""
        try:
            found = [a for a in rcconf.assignments(text) if a.name == var]
        except ValueError:
            continue
        if found:
            return found[-1].value, f"{path}:{_line_of(text, found[-1].start)}"
    return None, ""


def enabled(state: HostState, name: str) -> bool:
    value, _ = rc_setting(state, name)
    return (value or "").upper() in YES


def rc_script(host: Host, state: HostState, name: str) -> str:
    """The installed /etc/rc.d/<name> ('' when it cannot be read)."""
    script = state.text(f"/etc/rc.d/{name}")
    if script is None:
        try:
            script = host.read_text(f"/etc/rc.d/{name}")
        except HostError:
            script = ""
    return script


@dataclass
class Listen:
    """Where a listener binds, and how that was decided: the knob that set each value
    (None: the script fixes it) and whether /etc/rc.conf set one of them."""
    address: str
    port: int
    knobs: tuple[str, ...]
    from_rc_conf: bool


def listen(host: Host, state: HostState, name: str) -> Listen:
    """Where the listener ``name`` binds, learnt from its installed rc.d script: the
    rc.conf knobs it reads (over their defaults in the script) or its fixed address."""
    spec = rcscript.listen_spec(rc_script(host, state, name), name)
    if spec is None:        # no readable script: qmail-run's defaults, no knob known
        spec = rcscript.ListenSpec(*LISTEN_DEFAULTS[name], None, None)
    values, from_rc_conf = [], False
    for knob, default in ((spec.host_knob, spec.host), (spec.port_knob, spec.port)):
        value = rc_setting(state, knob)[0] if knob else None
        from_rc_conf |= value is not None
        values.append(default if value is None else value)
    port = int(values[1]) if values[1].isdigit() else int(spec.port)
    knobs = tuple(k for k in (spec.host_knob, spec.port_knob) if k)
    return Listen(values[0], port, knobs, from_rc_conf)


def listen_address(host: Host, state: HostState, name: str) -> tuple[str, int]:
    """(address, port) the listener ``name`` binds (see ``listen``)."""
    where = listen(host, state, name)
    return where.address, where.port


def smtp_address(host: Host, state: HostState) -> tuple[str, int]:
    """Where to connect to qmailsmtpd (0 / 0.0.0.0 means every address: use loopback)."""
    address, port = listen_address(host, state, "qmailsmtpd")
    return _connectable(address), port


def _connectable(address: str) -> str:
    return "127.0.0.1" if address in ("", "0", "0.0.0.0", "::") else address


def _me(state: HostState) -> str:
    return control.value(state.text(f"{CONTROL}/me") or "")


# -- SMTP ------------------------------------------------------------------------------
class _Smtp:
    """A minimal SMTP client on a socket from Host.connect."""

    def __init__(self, sock, timeout: float):
        sock.settimeout(timeout)
        self.sock = sock
        self.reader = sock.makefile("rb")

    def reply(self) -> tuple[int, str]:
        lines = []
        while True:
            line = self.reader.readline(1024).decode("latin-1").rstrip("\r\n")
            if not line:
                raise OSError("the server closed the connection")
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                break
        code = lines[0][:3]
        return (int(code) if code.isdigit() else 0), "\n".join(lines)

    def command(self, text: str) -> tuple[int, str]:
        self.sock.sendall(text.encode() + b"\r\n")
        return self.reply()


def greeting(host: Host, address: str, port: int, timeout: float = 5.0) -> str:
    """The first line the SMTP server at address:port sends ('' when none)."""
    try:
        with host.connect(address, port, timeout) as sock:
            smtp = _Smtp(sock, timeout)
            _code, text = smtp.reply()
            smtp.command("QUIT")
    except OSError:
        return ""
    return text.split("\n", 1)[0]


def relay_attempt(host: Host, address: str, port: int, source: str,
                  timeout: float = 5.0) -> tuple[int, str]:
    """The reply to RCPT TO an outside domain, from the host's address ``source``."""
    with host.connect(address, port, timeout, source=source) as sock:
        smtp = _Smtp(sock, timeout)
        smtp.reply()
        smtp.command("HELO qmail-wizard.invalid")
        smtp.command("MAIL FROM:<verify@qmail-wizard.invalid>")
        code, text = smtp.command(f"RCPT TO:<{OUTSIDE_RCPT}>")
        smtp.command("QUIT")
    return code, text


# -- tcprules --------------------------------------------------------------------------
def _address_matches(rule_address: str, key: str) -> bool:
    """``key`` is one of tcpserver's lookups; ranges (``1.2.3.4-9``) as tcprules expands."""
    if rule_address == key:
        return True
    parts, wanted = rule_address.split("."), key.split(".")
    if len(parts) != len(wanted) or not any("-" in p for p in parts):
        return False
    for part, value in zip(parts, wanted):
        low, dash, high = part.partition("-")
        if dash and low.isdigit() and high.isdigit() and value.isdigit():
            if not int(low) <= int(value) <= int(high):
                return False
        elif part != value:
            return False
    return True


def rule_for(rules: list[tcprules.Rule], ip: str) -> tcprules.Rule | None:
    """The rule tcpserver applies to client ``ip``: the longest matching prefix first,
    of equal rules the first in the file."""
    octets = ip.split(".")
    keys = [ip] + [".".join(octets[:n]) + "." for n in (3, 2, 1)] + [""]
    for key in keys:
        for rule in rules:
            if _address_matches(rule.address, key):
                return rule
    return None


def _everyone_lines(text: str) -> list[tuple[int, str]]:
    found = []
    for number, row in enumerate(text.splitlines(), 1):
        try:
            rules = tcprules.parse(row)
        except tcprules.RulesError:
            continue
        if rules and tcprules.grants_everyone(rules[0]):
            found.append((number, row))
    return found


# -- the checks -------------------------------------------------------------------------
class _Verifier:
    def __init__(self, host: Host, state: HostState, delivery_timeout: float,
                 cancel: threading.Event | None):
        self.host, self.state = host, state
        self.delivery_timeout, self.cancel = delivery_timeout, cancel
        self.procs = host.processes()
        self.listeners = host.listeners()
        self.smtpd = enabled(state, "qmailsmtpd")
        self.rules_path, self.cdb_path = rules_paths(state)

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
            return Check("qmail-send", title, True,
                         f"qmail-send runs as pid {pids[0].pid} (user {pids[0].user})")
        detail = (f"qmail-send is not running ({self.status_line('qmailsend')}): no mail is "
                  "delivered or sent while it is down")
        if not enabled(self.state, "qmailsend"):
            return Check("qmail-send", title, False, detail + "; qmailsend is not enabled "
                         "in /etc/rc.conf", "set qmailsend=YES in /etc/rc.conf, then run "
                         "/etc/rc.d/qmailsend start")
        return Check("qmail-send", title, False, detail,
                     "/etc/rc.d/qmailsend start (if it stops again, read /var/log/maillog)")

    def listener(self, name: str) -> Check:
        where = listen(self.host, self.state, name)
        address, port = where.address, where.port
        title, cid = f"{name} listening on {address}:{port}", f"listener-{name}"
        if not enabled(self.state, name):
            return Check(cid, title, True, f"skipped: {name} is not enabled in /etc/rc.conf")
        pids = self.pids(name)
        if not self.state.running(name) or not pids:
            return Check(cid, title, False, f"{name} is enabled in /etc/rc.conf but not "
                         f"running ({self.status_line(name)})",
                         f"/etc/rc.d/{name} start (if it fails, read /var/log/maillog)")
        says = "/etc/rc.conf" if where.from_rc_conf else f"/etc/rc.d/{name}"
        wanted = {"0.0.0.0", "::"} if _connectable(address) != address else {address}
        bound = [l for l in self.listeners if l.pid in pids]
        if any(l.port == port and l.address in wanted for l in bound):
            return Check(cid, title, True, f"pid {pids[0]} listens on {address}:{port} as "
                         f"{says} says")
        where_now = ", ".join(f"{l.address}:{l.port}" for l in bound) or "no address"
        if where.knobs:
            reads = (f"it reads {' and '.join(where.knobs)} from /etc/rc.conf when it "
                     "starts")
        else:
            reads = (f"/etc/rc.d/{name} fixes {address}:{port}; no /etc/rc.conf setting "
                     "changes it")
        return Check(cid, title, False, f"{name} (pid {pids[0]}) listens on {where_now}, "
                     f"not on {address}:{port} as {says} says",
                     f"/etc/rc.d/{name} restart ({reads})")

    def log_accounts(self) -> Check:
        """Each enabled service's logger runs as an account that exists (2017Q1's
        qmailpop3d runs a literal ``setuidgid qmaill`` whatever QMAIL_LOG_USER was)."""
        title = "rc.d loggers run as existing accounts"
        users, missing = self.state.users(), []
        for name in SERVICES:
            if enabled(self.state, name):
                script = rc_script(self.host, self.state, name)
                missing += [(name, user) for user in sorted(rcscript.log_users(script))
                            if user not in users]
        if not missing:
            return Check("log-accounts", title, True, "every enabled service's logger "
                         "runs as an account in /etc/passwd")
        built = self.state.build_info.get("qmail", {}).get("QMAIL_LOG_USER", "qmaill")
        detail = "; ".join(f"/etc/rc.d/{name} runs its logger as {user}, which is not in "
                           "/etc/passwd" for name, user in missing)
        return Check("log-accounts", title, False, detail + f" (qmail was built with "
                     f"QMAIL_LOG_USER={built}): that service's log lines are lost",
                     f"in /etc/rc.d/{missing[0][0]} change 'setuidgid {missing[0][1]}' "
                     f"to 'setuidgid {built}' (the log account qmail was built with), "
                     f"then /etc/rc.d/{missing[0][0]} restart")

    def smtp_greeting(self) -> Check:
        address, port = smtp_address(self.host, self.state)
        title, me = "SMTP greeting names control/me", _me(self.state)
        if not self.smtpd:
            return Check("smtp-greeting", title, True, "skipped: qmailsmtpd is not enabled")
        line = greeting(self.host, address, port)
        if not line:
            return Check("smtp-greeting", title, False, f"nothing answers SMTP on "
                         f"{address}:{port}", "/etc/rc.d/qmailsmtpd start, then read "
                         "/var/log/maillog if it does not answer")
        words = line.split()
        if line.startswith("220") and len(words) > 1 and words[1] == me:
            return Check("smtp-greeting", title, True, f"{address}:{port} answers {line!r}")
        return Check("smtp-greeting", title, False,
                     f"{address}:{port} answers {line!r}, not '220 {me}' (control/me): "
                     "another MTA holds the port, or control/smtpgreeting overrides the name",
                     "stop the other MTA (see check smtp-port), or correct "
                     f"{CONTROL}/smtpgreeting")

    def rcpthosts(self) -> Check:
        path, title = f"{CONTROL}/rcpthosts", "rcpthosts lists this host's domains"
        if not (self.smtpd or enabled(self.state, "qmailofmipd")):
            return Check("rcpthosts", title, True, "skipped: no SMTP listener is enabled")
        text = self.state.text(path)
        example = _me(self.state) or "example.org"
        fix = f"put your domains in {path}, one per line (e.g. echo {example} >> {path})"
        if text is None:
            return Check("rcpthosts", title, False, f"{path} is missing: qmail-smtpd accepts "
                         "mail for any domain, an open relay", fix)
        domains = control.lines(text)
        if not domains:
            return Check("rcpthosts", title, False, f"{path} is empty: qmail-smtpd refuses "
                         "every recipient from outside, so no mail for your domains arrives",
                         fix)
        return Check("rcpthosts", title, True, f"{len(domains)} domains: {', '.join(domains)}")

    def relay_rules(self) -> Check:
        title, source = "no tcp.smtp rule lets everyone relay", self.rules_path
        if not self.smtpd:
            return Check("relay-rules", title, True, "skipped: qmailsmtpd is not enabled")
        text = self.state.text(source)
        cdb = "/etc/rc.d/qmailsmtpd cdb"
        if text is None:
            return Check("relay-rules", title, False, f"{source} is missing",
                         f"create {source} with 127.:allow,RELAYCLIENT=\"\" and :allow, "
                         f"then run {cdb}")
        everyone = _everyone_lines(text)
        if everyone:
            number, row = everyone[0]
            return Check("relay-rules", title, False,
                         f"{source} line {number} ({row.strip()}) grants RELAYCLIENT to every "
                         "client: anyone can relay mail through this host (open relay)",
                         f"delete line {number} from {source} (keep RELAYCLIENT for your own "
                         f"networks only, e.g. 127.:allow,RELAYCLIENT=\"\"), then run {cdb}")
        try:
            relays = [r.address for r in tcprules.parse(text) if tcprules.RELAY in r.env]
        except tcprules.RulesError as exc:
            return Check("relay-rules", title, False, f"{source}: {exc}",
                         f"correct that line of {source}, then run {cdb}")
        if not self.state.cdbs.get(self.cdb_path, False):
            missing = self.cdb_path not in self.state.cdbs
            return Check("relay-rules", title, False, f"{self.cdb_path} is "
                         f"{'missing' if missing else 'older than ' + source}: the rules in "
                         "force are not the ones in the file", f"run {cdb}")
        return Check("relay-rules", title, True, "RELAYCLIENT only for "
                     f"{', '.join(repr(a) for a in relays) or 'no client'} ({source})")

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
                    return Check("relay-refused", title, True,
                                 f"from {NON_RELAY_CLIENT}, RCPT TO:<{OUTSIDE_RCPT}> was "
                                 f"refused: {said}")
                return Check("relay-refused", title, False,
                             f"OPEN RELAY: from {NON_RELAY_CLIENT}, a client that must not "
                             f"relay, {address}:{port} answered RCPT "
                             f"TO:<{OUTSIDE_RCPT}> with {said!r}",
                             f"list only your domains in {CONTROL}/rcpthosts, remove "
                             f"RELAYCLIENT from broad rules in {self.rules_path}, then run "
                             "/etc/rc.d/qmailsmtpd cdb")
        static = f"only the static check was done ({why})"
        for check in (rcpthosts, rules):
            if not check.ok:
                return Check("relay-refused", title, False, f"{static}: {check.detail}",
                             check.fix)
        return Check("relay-refused", title, True,
                     f"{static}: rcpthosts is set and {rules.detail}")

    def _live_relay_impossible(self) -> str | None:
        """Why no non-relay client can be tried from this host (None: it can)."""
        if not self.pids("qmailsmtpd"):
            return "qmailsmtpd is not running"
        try:
            rules = tcprules.parse(self.state.text(self.rules_path) or "")
        except tcprules.RulesError:
            return f"{self.rules_path} cannot be parsed"
        rule = rule_for(rules, NON_RELAY_CLIENT)
        if rule and rule.action == "allow" and tcprules.RELAY in rule.env \
                and not tcprules.grants_everyone(rule):
            return (f"the only client address this host can connect from, {NON_RELAY_CLIENT}, "
                    f"may relay by the rule '{tcprules.render_rule(rule)}'")
        if rule and rule.action == "deny":
            return f"{NON_RELAY_CLIENT} is denied by the rule '{tcprules.render_rule(rule)}'"
        return None

    def alias(self, name: str) -> Check:
        path, title = f"{ALIAS_DIR}/{alias.filename(name)}", f"{name} alias delivers somewhere"
        text = self.state.text(path)
        fix = (f"echo '&{self.state.admin_user() or 'USER'}' > {path} && chmod 644 {path} "
               "(any local user or address)")
        if path in self.state.refused:
            return Check(f"alias-{name}", title, False, f"{self.state.refused[path]} "
                         "(qmail-wizard reads no links, FIFOs or hard links in ~alias)",
                         f"replace it by a regular file: rm {path} && {fix}")
        if text is None:
            return Check(f"alias-{name}", title, False, f"{path} is missing: {ALIASES[name]}",
                         fix)
        if alias.is_placeholder(text):
            what = ("its first line is blank: qmail defers every message" if text[:1] == "\n"
                    else f"it holds only comments: qmail throws mail to {name} away "
                         "without a bounce")
            return Check(f"alias-{name}", title, False, f"{path}: {what}", fix)
        targets = alias.targets(text)
        shown = ", ".join(t.value for t in targets) if targets else "default delivery of ~alias"
        return Check(f"alias-{name}", title, True, f"{path} delivers to {shown}")

    def postfix(self) -> Check:
        title = "postfix stopped and not enabled"
        value, where = rc_setting(self.state, "postfix")
        value = value or ""
        check = re.fullmatch(r"\$\{_rc_d_postfix:?-(.*)\}", value)
        if check:  # rc.d/postfix sets it to "check": start only if mailer.conf selects it
            on = mailerconf.selects_postfix(self.state.text("/etc/mailer.conf") or "")
            setting = f"{where} leaves postfix to /etc/mailer.conf, which selects " \
                      f"{'postfix' if on else 'another MTA'}"
        else:
            on = value.upper() in YES
            setting = f"{where} sets postfix={value}" if where else "no rc.conf sets postfix"
        running = self.state.running("postfix")
        problems = ([f"postfix is running ({self.status_line('postfix')})"] if running else []) \
            + ([f"postfix is enabled: {setting}, so it starts at boot and takes the SMTP port"]
               if on else [])
        if not problems:
            return Check("postfix", title, True, f"postfix is stopped; {setting}")
        fixes = (["set postfix=NO in /etc/rc.conf"] if on else []) + \
            (["run /etc/rc.d/postfix stop"] if running else [])
        return Check("postfix", title, False, "; ".join(problems), " and ".join(fixes))

    def mailer_conf(self) -> Check:
        title, path = "/etc/mailer.conf points at qmail", "/etc/mailer.conf"
        shipped = self.state.text(QMAIL_EXAMPLE_MAILER)
        wanted = mailerconf.parse(shipped) if shipped else mailerconf.QMAIL_MAP()
        text = self.state.text(path)
        current = mailerconf.parse(text or "")
        wrong = [f"{name} to {current.get(name, 'nothing')}" for name in ("sendmail",
                 "send-mail", "mailq") if current.get(name) != wanted.get(name)]
        if not wrong:
            return Check("mailer-conf", title, True, f"sendmail runs {wanted['sendmail']}")
        source = f"cp {QMAIL_EXAMPLE_MAILER} {path}" if shipped else \
            f"point sendmail and send-mail at {wanted['sendmail']} in {path}"
        return Check("mailer-conf", title, False,
                     f"{path} maps {', '.join(wrong)}, not qmail's "
                     f"({wanted['sendmail']}): local mail (cron, daily reports) does not reach "
                     "qmail", f"{source} (or edit the sendmail, send-mail and mailq lines)")

    def smtp_port(self) -> Check:
        _address, port = listen_address(self.host, self.state, "qmailsmtpd")
        title = f"nothing but qmail holds SMTP port {port}"
        names = {p.pid: p for p in self.procs}
        smtpd = self.pids("qmailsmtpd")
        others = [l for l in self.listeners if l.port == port and l.pid not in smtpd]
        if not others:
            holder = (f"{procmatch.program(names[smtpd[0]])} (pid {smtpd[0]})" if smtpd
                      else "nothing")
            return Check("smtp-port", title, True, f"port {port} is held by {holder}")
        held = []
        for listener in others:
            proc = names.get(listener.pid)
            who = (f"{procmatch.program(proc)} (pid {proc.pid}, user {proc.user})" if proc
                   else "a process qmail-wizard cannot see (run it as root)")
            held.append(f"{who} on {listener.address}:{port}")
        postfix = any(_postfix(names.get(l.pid), names) for l in others)
        fix = ("run /etc/rc.d/postfix stop and set postfix=NO in /etc/rc.conf" if postfix
               else f"stop that program or move it off port {port}")
        return Check("smtp-port", title, False, f"port {port} is held by {', '.join(held)}",
                     fix + "; then /etc/rc.d/qmailsmtpd restart")

    def delivery(self, running: bool) -> Check:
        title = "test message to postmaster delivered"
        if not running:
            return Check("delivery", title, False, "not tried: qmail-send is not running",
                         "/etc/rc.d/qmailsend start, then qmail-wizard verify")
        got = send_test_message(self.host, "postmaster", self.delivery_timeout, self.state,
                                self.cancel)
        return Check("delivery", title, got.ok, got.detail, got.fix)


def _postfix(proc: ProcessInfo | None, by_pid: dict[int, ProcessInfo]) -> bool:
    """Whether ``proc`` is postfix's master or one of its daemons (master's child)."""
    master = procmatch.POSTFIX_MASTER
    return proc is not None and (procmatch.matches(proc, master) or (
        proc.ppid in by_pid and procmatch.matches(by_pid[proc.ppid], master)))


def verify(host: Host, state: HostState | None = None, delivery_timeout: float = 10.0,
           cancel: threading.Event | None = None, delivery: bool = True) -> list[Check]:
    """Every check, in a stable order; a test message to postmaster comes last
    (unless ``delivery`` is False: apply skips it after a run that changed nothing)."""
    state = state or probe(host)
    if "qmail" not in state.packages:
        return [Check("qmail-installed", "qmail installed", False,
                      "qmail is not installed (pkg_info lists no qmail package)",
                      "qmail-wizard apply PROFILE (e.g. profiles/default.yaml)")]
    v = _Verifier(host, state, delivery_timeout, cancel)
    checks = [v.qmail_send()]
    checks += [v.listener(name) for name in LISTENERS
               if name == "qmailsmtpd" or enabled(state, name)]
    checks += [v.log_accounts(), v.smtp_greeting()]
    rcpthosts, rules = v.rcpthosts(), v.relay_rules()
    checks += [rcpthosts, v.relay_refused(rcpthosts, rules), rules]
    checks += [v.alias(name) for name in ALIASES]
    checks += [v.postfix(), v.mailer_conf(), v.smtp_port()]
    if delivery and (cancel is None or not cancel.is_set()):
        checks.append(v.delivery(checks[0].ok))
    return checks


# -- the test delivery ------------------------------------------------------------------
#: the most of an mbox the check reads (it is read whole, safely, on each look)
MBOX_LIMIT = 8 << 20


@dataclass
class _Box:
    kind: str     # "maildir" or "mbox"
    path: str
    user: str     # who owns it (for the fix)


@dataclass
class _Route:
    """Where local delivery to a recipient ends, as far as it can be read safely."""

    boxes: list
    notes: list          # discards, remote forwards, programs, what was not read
    #: (file, why, user, what to do): .qmail files not read and paths not suggested
    problems: list


def _read(host: Host, path: str, owner: str | None) -> tuple[str | None, str]:
    """(text, "") of a .qmail in a directory its user controls, read by the safe rules
    (owned by ``owner`` when given, one link, no link followed, no FIFO opened);
    (None, why) when it was refused, (None, "") when it does not exist."""
    try:
        return host.read_user_file(path, owner=owner).decode("utf-8", "replace"), ""
    except Refused as exc:
        return None, str(exc)
    except HostError as exc:
        return None, "" if "No such file" in str(exc) or "does not exist" in str(exc) \
            else str(exc)


def _inside(path: str, home: str) -> bool:
    return posixpath.normpath(path).startswith(home.rstrip("/") + "/")


def resolve(host: Host, state: HostState, recipient: str, depth: int = 0) -> _Route:
    """The mailboxes local delivery to ``recipient`` ends in (following ``&user``
    forwards), and notes on what leaves them (discards, remote forwards, programs)."""
    local, _at, domain = recipient.rpartition("@") if "@" in recipient else (recipient, "", "")
    locals_ = control.lines(state.text(f"{CONTROL}/locals") or "") + [_me(state)]
    if domain and domain.lower() not in [d.lower() for d in locals_]:
        return _Route([], [f"forwarded to {recipient}, off this host"], [])
    local = local.lower()
    users = state.users()
    alias_user = state.build_info.get("qmail", {}).get("QMAIL_ALIAS_USER", "alias")
    if local in users and users[local][0] != 0:
        home, who = users[local][2], local
        where = f"{home}/.qmail"
        text, why = _read(host, where, who)
    else:
        home, who = users.get(alias_user, (0, 0, f"{QMAILDIR}/alias"))[2], alias_user
        where = f"{home}/.qmail-{local.replace('.', ':')}"
        text, why = _read(host, where, None)
        if text is None and not why:
            where = f"{home}/.qmail-default"
            text, why = _read(host, where, None)
        if text is None and not why:
            return _Route([], [f"{local} is neither a user nor an alias: the message "
                               "bounces"], [])
    if why:
        return _Route([], [f"{why}, so where mail to {local} goes is not known"],
                      [(where, why, who, f"make {where} a regular file of {who}'s (no "
                        "symbolic link, FIFO or hard link), or remove it")])
    if not text:
        text = control.value(state.text(f"{CONTROL}/defaultdelivery") or "") + "\n"
    targets = alias.targets(text)
    if not targets:
        return _Route([], [f"{where} has no delivery line: qmail throws the message away"],
                      [])
    route = _Route([], [], [])
    for target in targets:
        if target.kind in ("maildir", "mbox"):
            path = target.value if target.value.startswith("/") else \
                f"{home.rstrip('/')}/{target.value.removeprefix('./')}"
            path = path.rstrip("/") if target.kind == "maildir" else path
            if _inside(path, home):
                route.boxes.append(_Box(target.kind, path, who))
            else:   # never looked into, nor suggested: it is not the user's to name
                route.notes.append(f"{where} delivers to {path}, outside {who}'s home "
                                   f"{home}: not checked")
                route.problems.append((where, f"{where} names {path}, outside {home}", who,
                                       f"correct that line of {where} (a Maildir or mbox "
                                       f"in {home})"))
        elif target.kind == "forward" and depth < 5:
            more = resolve(host, state, target.value, depth + 1)
            route.boxes += more.boxes
            route.notes += more.notes
            route.problems += more.problems
        else:
            route.notes.append(f"{where} pipes it to {target.value}"
                               if target.kind == "program" else f"{where} forwards too deep")
    return route


class _Chain:
    """The maillog lines of one test message and the forwards it caused (all carry its
    unique envelope sender)."""

    INFO = re.compile(r"info msg (\d+): bytes \d+ from <([^>]*)>")
    START = re.compile(r"starting delivery (\d+): msg (\d+) to")
    END = re.compile(r"delivery (\d+): (success|failure|deferral): (.*)")

    def __init__(self, sender: str):
        self.sender = sender
        self.msgs: dict[str, bool] = {}         # msg -> a delivery started
        self.open: set[str] = set()             # delivery numbers without an outcome
        self.outcomes: list[str] = []
        self.lines: list[str] = []

    def feed(self, text: str) -> None:
        for line in text.splitlines():
            info, start, end = self.INFO.search(line), self.START.search(line), \
                self.END.search(line)
            if info and info.group(2) == self.sender:
                self.msgs[info.group(1)] = False
            elif start and start.group(2) in self.msgs:
                self.msgs[start.group(2)] = True
                self.open.add(start.group(1))
            elif end and end.group(1) in self.open:
                self.open.discard(end.group(1))
                self.outcomes.append(end.group(2))
            else:
                continue
            self.lines.append(line.split(": ", 1)[-1] if ": " in line else line)

    @property
    def settled(self) -> bool:
        """Every delivery of the message ended (a deferral retries only minutes later)."""
        return bool(self.msgs) and all(self.msgs.values()) and not self.open


def _new_files(host: Host, boxes: list[_Box], before: dict[str, object], token: str
               ) -> str | None:
    for box in boxes:
        try:
            if box.kind == "maildir":
                for name in host.listdir(f"{box.path}/new"):
                    if name not in before[box.path]:
                        path = f"{box.path}/new/{name}"
                        if token.encode() in host.read_user_file(path, owner=box.user):
                            return path
            else:
                data = host.read_user_file(box.path, owner=box.user, limit=MBOX_LIMIT)
                if token.encode() in data[before[box.path]:]:
                    return box.path
        except HostError:
            continue
    return None


def _snapshot(host: Host, box: _Box):
    try:
        if box.kind == "maildir":
            return set(host.listdir(f"{box.path}/new"))
        return len(host.read_user_file(box.path, owner=box.user, limit=MBOX_LIMIT))
    except HostError:
        return set() if box.kind == "maildir" else 0


def send_test_message(host: Host, recipient: str = "postmaster", timeout: float = 10.0,
                      state: HostState | None = None,
                      cancel: threading.Event | None = None) -> Delivery:
    """Inject a uniquely marked message for ``recipient`` and wait up to ``timeout``
    seconds until it lands in a mailbox the recipient resolves to (polling, never
    sleeping longer than needed); say where, or what the maillog says about it."""
    state = state or probe(host)
    route = resolve(host, state, recipient)
    boxes, notes = route.boxes, route.notes
    target = ", ".join(b.path for b in boxes) or "; ".join(notes)
    token = secrets.token_hex(8)
    me = _me(state) or state.hostname
    sender = f"qmail-wizard-verify-{token}@{me}"
    message = (f"From: qmail-wizard <{sender}>\nTo: {recipient}\n"
               f"Subject: qmail-wizard test message {token}\n"
               f"Message-ID: <{token}.qmail-wizard@{me}>\n\n"
               f"qmail-wizard verify sent this to check delivery ({token}).\n")
    inject = next((path for path in INJECT if host.exists(path)), INJECT[0])
    before = {box.path: _snapshot(host, box) for box in boxes}
    try:
        offset = host.stat(MAILLOG).size
    except HostError:
        offset = 0
    started = time.monotonic()
    sent = host.run([inject, "-f", sender, recipient], input=message, timeout=30)
    if sent.rc != 0:
        return Delivery(False, recipient, target, "", 0.0,
                        f"{inject} exited with status {sent.rc}: "
                        f"{(sent.stderr or sent.stdout).strip()}",
                        "read /var/log/maillog and check the queue with qmail-qstat")
    chain, delay = _Chain(sender), 0.01
    while True:
        data, size = host.read_from(MAILLOG, offset) if host.exists(MAILLOG) else (b"", 0)
        offset = size if size >= offset else 0
        chain.feed(data.decode("utf-8", "replace"))
        path = _new_files(host, boxes, before, token)
        seconds = round(time.monotonic() - started, 2)
        if path:
            return Delivery(True, recipient, target, path, seconds,
                            f"delivered to {path} in {seconds:.2f} s")
        if chain.settled or seconds >= timeout or (cancel is not None and cancel.is_set()):
            break
        time.sleep(min(delay, max(0.0, timeout - seconds)))
        delay = min(delay * 2, 0.2)
    return _undelivered(host, recipient, target, route, chain, seconds, timeout)


def _undelivered(host, recipient, target, route, chain, seconds, timeout) -> Delivery:
    said = ("the maillog says: " + " | ".join(chain.lines)) if chain.lines else \
        f"{MAILLOG} has no line about it (is qmail-send running and logging?)"
    when = "was not delivered" if chain.settled else f"did not arrive within {timeout:g} s"
    shown = ", ".join(b.path for b in route.boxes)
    where = f" to {shown}" if shown else ""
    detail = f"the message to {recipient}{where} {when}; {said}"
    if route.notes:
        detail += "; " + "; ".join(route.notes)
    boxes = route.boxes
    made = [_make_maildir(host, b) for b in boxes if b.kind == "maildir"]
    if route.problems:
        fix = "; ".join(dict.fromkeys(problem[3] for problem in route.problems))
    elif any(made):
        fix = next(m for m in made if m)
    elif not boxes:
        fix = ("point the alias at a local user: echo '&USER' > "
               f"{ALIAS_DIR}/{alias.filename(recipient)}")
    else:
        fix = f"read {MAILLOG} about it, fix the cause, then run qmail-wizard verify"
    return Delivery(False, recipient, target, "", seconds, detail, fix)


def _make_maildir(host: Host, box: _Box) -> str:
    """The command that makes what is missing of the Maildir ``box``, as its user
    ("" when nothing is missing)."""
    if not _exists(host, box.path):
        return f"setuidgid {box.user} maildirmake {box.path}"
    missing = [f"{box.path}/{sub}" for sub in ("new", "cur", "tmp")
               if not _exists(host, f"{box.path}/{sub}")]
    return f"setuidgid {box.user} mkdir -m 700 {' '.join(missing)}" if missing else ""


def _exists(host: Host, path: str) -> bool:
    """Whether anything is at ``path`` (a link is not followed)."""
    parent, _, name = path.rpartition("/")
    try:
        return name in host.listdir(parent or "/")
    except HostError:
        return False
