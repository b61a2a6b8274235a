"""verify's checks: does this host run a working and safe qmail? (DESIGN §8)"""

from __future__ import annotations

import threading

from .. import procmatch, rcscript
from ..facts import CONTROL, LISTENERS, SERVICES
from ..hosts import Host
from ..hoststate import HostState
from ..probe import probe
from . import reach, relay, srs, system, tlsauth
from .config import connectable, control_me, listen, rc_script, smtp_address
from .delivery import remove_test_message, run_id, send_test_message
from .report import Check
from .smtp import greeting


class Verifier:
    """The checks of one host as one probe and one process scan saw it."""

    def __init__(
        self,
        host: Host,
        state: HostState,
        delivery_timeout: float,
        cancel: threading.Event | None,
        keep_test_message: bool = False,
    ):
        self.host, self.state = host, state
        self.delivery_timeout, self.cancel = delivery_timeout, cancel
        #: the run's id (in the test messages' header), and whether they stay
        self.run, self.keep_test_message = run_id(), keep_test_message
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
        bound = [li for li in self.listeners if li.pid in pids]
        if any(li.port == port and li.address in wanted for li in bound):
            return Check(
                cid, title, True, f"pid {pids[0]} listens on {address}:{port} as {says} says"
            )
        where_now = ", ".join(f"{li.address}:{li.port}" for li in bound) or "no address"
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
            self.host, "postmaster", self.delivery_timeout, self.state, self.cancel, self.run
        )
        if got.ok:
            note = "kept" if self.keep_test_message else remove_test_message(self.host, got)
            got.detail += f" ({note})" if note else ""
        return Check("delivery", title, got.ok, got.detail, got.fix)


def verify(
    host: Host,
    state: HostState | None = None,
    delivery_timeout: float = 10.0,
    cancel: threading.Event | None = None,
    delivery: bool = True,
    keep_test_message: bool = False,
) -> list[Check]:
    """Every check, in a stable order; the checks of the features the host is set up
    for (TLS, AUTH, POP3, routes, SRS, secrets); a test message to postmaster last
    (unless ``delivery`` is False: apply skips it after a run that changed nothing).
    Test messages are removed once seen, unless ``keep_test_message``."""
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
    v = Verifier(host, state, delivery_timeout, cancel, keep_test_message)
    checks = [v.qmail_send()]
    checks += [v.listener(name) for name in LISTENERS if name == "qmailsmtpd" or v.rc.yes(name)]
    checks += [v.log_accounts(), v.smtp_greeting()]
    rcpthosts, rules = relay.rcpthosts(v), relay.relay_rules(v)
    checks += [rcpthosts, relay.relay_refused(v, rcpthosts, rules), rules]
    checks += [system.alias(v, name) for name in system.ALIASES]
    checks += [system.postfix(v), system.mailer_conf(v), system.smtp_port(v)]
    checks += tlsauth.starttls(v) + tlsauth.auth(v) + reach.pop3(v) + reach.routes(v)
    checks += reach.secret_modes(v)
    live = delivery and (cancel is None or not cancel.is_set())
    if live:
        checks += srs.srs(v)
        checks.append(v.delivery(checks[0].ok))
    return checks
