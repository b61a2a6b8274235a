"""verify's STARTTLS and AUTH checks: a live handshake, the certificate it shows
(names control/me, valid for 30 days more), AUTH offered, relaying refused without it."""

from __future__ import annotations

import datetime as dt
import ssl
from typing import TYPE_CHECKING

from ..facts import CONTROL
from ..hosts import HostError
from . import features, tlsclient
from .certinfo import CertError, CertInfo, from_pem, parse
from .config import control_me
from .relay import live_relay_source, non_relay_source
from .report import Check
from .smtp import OUTSIDE_RCPT, Smtp

if TYPE_CHECKING:
    from .checks import Verifier

#: the least validity a certificate must have left
MIN_DAYS = 30


def make_cert_fix(v: Verifier, tls: features.Tls) -> str:
    """The commands that make a self-signed certificate where the server reads it."""
    me = control_me(v.state) or "mail.example.org"
    owner = "qmaild:qmail" if v.state.era() == "2017Q1" else "root:qmail"
    fix = (
        f"openssl req -new -x509 -nodes -days 365 -subj /CN={me} -out {tls.cert} "
        f"-keyout {tls.cert} && chown {owner} {tls.cert} && chmod 640 {tls.cert}"
    )
    if tls.dhparams:
        fix += f"; openssl dhparam -out {tls.dhparams} 2048 (or update_tmprsadh)"
    if v.state.era() != "2017Q1":
        fix += "; then /etc/rc.d/qmailsmtpd restart"
    return fix + " (or qmail-wizard apply with tls.certificate in the profile)"


def _missing(v: Verifier, tls: features.Tls) -> list[str]:
    paths = [p for p in (tls.cert, tls.dhparams) if p]
    return [p for p in paths if v.state.text(p) is None and not v.host.exists(p)]


def _handshake(v: Verifier, tls: features.Tls, source: str) -> tuple[list[str], bytes, list[str]]:
    """(EHLO lines before TLS, certificate, EHLO lines inside TLS), from ``source``."""
    with v.host.connect(tls.address, tls.port, 10.0, source=source or None) as sock:
        smtp = Smtp(sock, 10.0)
        smtp.reply()
        before = smtp.ehlo()
        if "STARTTLS" not in [line.upper() for line in before]:
            smtp.command("QUIT")
            return before, b"", []
        der = smtp.starttls()
        after = smtp.ehlo()
        smtp.command("QUIT")
        return before, der, after


def starttls(v: Verifier) -> list[Check]:
    """Checks tls-starttls and tls-certificate (one handshake); [] when not configured."""
    tls = features.tls(v.host, v.state)
    if tls is None:
        return []
    title, where = f"STARTTLS on port {tls.port}", f"{tls.address}:{tls.port}"
    cert_title = f"TLS certificate names control/me, valid {MIN_DAYS}+ days"
    missing = _missing(v, tls)
    client = tlsclient.pick(v.host, v.state, tls.service)
    if client.blocked and not missing:
        return _no_local_tls(v, tls, client, title, cert_title)
    if client.source:
        where += f" from {client.source}"
    try:
        _before, der, _after = _handshake(v, tls, client.source)
    except (OSError, ssl.SSLError) as exc:
        detail = f"the TLS handshake with {where} failed ({exc}); TLS is expected: {tls.why}"
        fix = (
            make_cert_fix(v, tls)
            if missing
            else (
                f"{tls.cert} must hold the certificate and its key, readable by the server "
                f"(read /var/log/maillog); to make a new one: {make_cert_fix(v, tls)}"
            )
        )
        return [Check("tls-starttls", title, False, detail, fix)]
    if not der:
        why = f"{', '.join(missing)} missing" if missing else "qmail-smtpd does not offer it"
        return [
            Check(
                "tls-starttls",
                title,
                False,
                f"{where} does not offer STARTTLS ({why}); TLS is expected: {tls.why}",
                make_cert_fix(v, tls) if missing else _offer_fix(v),
            )
        ]
    checks = [Check("tls-starttls", title, True, f"{where} offers STARTTLS; the handshake works")]
    try:
        info = parse(der)
    except CertError as exc:
        return [
            *checks,
            Check("tls-certificate", cert_title, False, str(exc), make_cert_fix(v, tls)),
        ]
    return [*checks, _cert_check(v, tls, info, cert_title)]


def _no_local_tls(
    v: Verifier, tls: features.Tls, client: tlsclient.TlsClient, title: str, cert_title: str
) -> list[Check]:
    """No local address gets UCSPITLS: fine when every other client does (qmail-run's
    tcprules-smtp: 127. relays without TLS); the certificate is then read from its file."""
    withheld = f"no local client gets STARTTLS from {client.rules_path}: {client.withheld}"
    if not client.everyone:
        return [
            Check(
                "tls-starttls",
                title,
                False,
                f"{withheld} sets no UCSPITLS, and no rule for every other client does: "
                f"sslserver -n offers STARTTLS to nobody; TLS is expected: {tls.why}",
                client.fix() + ' (qmail-run\'s tcprules-smtp ends with :allow,UCSPITLS="")',
            )
        ]
    checks = [
        Check(
            "tls-starttls",
            title,
            True,
            f"not tried: {withheld} sets no UCSPITLS; every other client gets STARTTLS by "
            f"{client.everyone}. To let verify try it from here: {client.fix()}",
        )
    ]
    try:
        info = from_pem(v.host.read_text(tls.cert))
    except (HostError, CertError) as exc:
        detail = f"{tls.cert} holds no certificate this check can read ({exc})"
        return [*checks, Check("tls-certificate", cert_title, False, detail, make_cert_fix(v, tls))]
    return [*checks, _cert_check(v, tls, info, cert_title)]


def _offer_fix(v: Verifier) -> str:
    if v.state.era() == "2017Q1":
        return (
            "qmail must be built with the tls option (PKG_OPTIONS.qmail+=tls in "
            "/etc/mk.conf, then rebuild mail/qmail)"
        )
    return "set qmailsmtpd_tls=YES in /etc/rc.conf, then /etc/rc.d/qmailsmtpd restart"


def _cert_check(v: Verifier, tls: features.Tls, info: CertInfo, title: str) -> Check:
    me = control_me(v.state)
    left = info.not_after - dt.datetime.now(dt.timezone.utc)
    until = info.not_after.strftime("%Y-%m-%d")
    names = ", ".join(info.names()) or "no name"
    problems = []
    if me and not info.names_host(me):
        problems.append(f"it names {names}, not {me} (control/me)")
    if left < dt.timedelta(days=MIN_DAYS):
        problems.append(
            f"it expired on {until}"
            if left.total_seconds() < 0
            else f"it expires on {until}, in less than {MIN_DAYS} days"
        )
    if problems:
        return Check(
            "tls-certificate",
            title,
            False,
            f"the certificate {tls.cert} shows: " + "; ".join(problems),
            f"replace {tls.cert} (a certificate for {me or 'control/me'}): {make_cert_fix(v, tls)}",
        )
    return Check("tls-certificate", title, True, f"names {names}; valid until {until}")


def auth(v: Verifier) -> list[Check]:
    """Checks smtp-auth (AUTH offered, after STARTTLS where the era does) and
    auth-relay (RCPT to a remote domain without AUTH is refused); [] when off."""
    auth = features.auth(v.host, v.state)
    if auth is None:
        return []
    where = f"{auth.address}:{auth.port}"
    return [_offered(v, auth, where), _relay_without_auth(v, auth, where)]


def _offered(v: Verifier, auth: features.Auth, where: str) -> Check:
    title = f"SMTP AUTH offered on port {auth.port}"
    client = tlsclient.pick(v.host, v.state, auth.service)
    if client.source:
        where += f" from {client.source}"
    try:
        with v.host.connect(auth.address, auth.port, 10.0, source=client.source or None) as sock:
            smtp = Smtp(sock, 10.0)
            smtp.reply()
            lines = smtp.ehlo()
            if auth.tls and "STARTTLS" in [line.upper() for line in lines]:
                smtp.starttls()
                lines = smtp.ehlo()
            smtp.command("QUIT")
    except (OSError, ssl.SSLError) as exc:
        return Check(
            "smtp-auth",
            title,
            False,
            f"talking to {where} failed ({exc})",
            f"/etc/rc.d/{auth.service} restart, then read /var/log/maillog",
        )
    offer = next((line for line in lines if line.upper().startswith("AUTH")), "")
    mechanisms = offer.upper().split()[1:]
    if not ({"PLAIN", "LOGIN"} & set(mechanisms)):
        said = f"offers {offer!r}" if offer else "offers no AUTH"
        fix = (
            "qmail must be built with the tls option, which brings sasl "
            "(PKG_OPTIONS.qmail+=tls in /etc/mk.conf, then rebuild mail/qmail)"
            if v.state.era() == "2017Q1"
            else "install qmail-acceptutils and /etc/rc.d/qmailofmipd restart"
        )
        return Check("smtp-auth", title, False, f"{where} {said} (no PLAIN or LOGIN)", fix)
    if auth.checkprogram:
        try:
            stat = v.host.stat(auth.checkprogram)
        except HostError:
            stat = None
        if stat is None or not (stat.mode & 0o4000 and stat.uid == 0):
            state = "missing" if stat is None else f"mode {stat.mode & 0o7777:o}, not setuid root"
            return Check(
                "smtp-auth",
                title,
                False,
                f"{where} offers {offer!r}, but {auth.checkprogram} is {state}: qmail-smtpd "
                "runs it as qmaild, which cannot read the password database, so every "
                "login fails (README.auth)",
                f"chown root {auth.checkprogram} && chmod 4555 {auth.checkprogram}"
                if stat
                else "install security/checkpassword, or correct qmailsmtpd_postsmtpd",
            )
    return Check("smtp-auth", title, True, f"{where} offers {offer!r} ({auth.why})")


def _relay_without_auth(v: Verifier, auth: features.Auth, where: str) -> Check:
    title = f"relay refused without AUTH on port {auth.port}"
    if auth.service == "qmailsmtpd":
        source, why = live_relay_source(v)
    else:
        source, why = non_relay_source(v, tlsclient.rules_path(v.host, v.state, auth.service))
    if not source:
        return Check("auth-relay", title, True, f"not tried: {why} (see relay-refused)")
    try:
        with v.host.connect(auth.address, auth.port, 10.0, source=source) as sock:
            smtp = Smtp(sock, 10.0)
            smtp.reply()
            lines = smtp.ehlo()
            if auth.tls and "STARTTLS" in [line.upper() for line in lines]:
                smtp.starttls()
                smtp.ehlo()
            code, said = smtp.command("MAIL FROM:<verify@qmail-wizard.invalid>")
            if code < 400:
                code, said = smtp.command(f"RCPT TO:<{OUTSIDE_RCPT}>")
            smtp.command("QUIT")
    except (OSError, ssl.SSLError) as exc:
        return Check(
            "auth-relay",
            title,
            False,
            f"talking to {where} from {source} failed ({exc})",
            f"/etc/rc.d/{auth.service} restart, then read /var/log/maillog",
        )
    said = said.replace("\n", " ")
    if 500 <= code < 600:
        return Check("auth-relay", title, True, f"from {source}, without AUTH: {said}")
    return Check(
        "auth-relay",
        title,
        False,
        f"OPEN RELAY: from {source}, without AUTH, {where} answered {said!r} "
        f"to RCPT TO:<{OUTSIDE_RCPT}>",
        f"remove RELAYCLIENT from broad rules in {v.rules_path} (then /etc/rc.d/qmailsmtpd "
        f"cdb) and list only your domains in {CONTROL}/rcpthosts",
    )
