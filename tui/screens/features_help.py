"""F1 texts of the Mail features screen: what each feature does, the files it writes,
and what it costs in this host's pkgsrc era (a source build, a package), as the plan
(tui/backend/plan/features.py) brings them."""

from __future__ import annotations

from ..backend.session import Session


def _option_cost(session: Session, word: str) -> str:
    """Whether ``word`` is in the binary packages or needs a source build, and its cost."""
    catalog = session.options
    if word in catalog.defaults:
        return f"{word} is a default build option here: the binary package has it."
    cost = catalog.costs.get(word, "")
    return (
        f"{word} is not a default build option here: turning it on means a source build "
        f"from /usr/pkgsrc (several minutes){f'; it {cost}' if cost else ''}."
    )


def certificate_help(session: Session) -> str:
    text = (
        "STARTTLS for qmail-smtpd with control/servercert.pem (certificate and key, "
        "0640 to the qmail-smtpd user). none: no STARTTLS. self-signed: made on the host "
        "with openssl for control/me (366 days; clients trust it only when told to). "
        "PEM file: the absolute path on the host of a PEM file with the certificate and "
        "its key; it is copied there. "
    )
    if session.smtpd_does_auth():
        return text + (
            "In this era STARTTLS is in qmail-smtpd itself, from the tls build option (it "
            "turns sasl on). " + _option_cost(session, "tls") + " The patch makes temporary "
            "RSA/DH keys; update_tmprsadh refreshes them."
        )
    return text + (
        _option_cost(session, "tls") + " In this era sslserver (ucspi-ssl) does STARTTLS: "
        "control/dh2048.pem is made with openssl dhparam, and rc.conf gets qmailsmtpd_tls=YES "
        "(and qmailofmipd_tls, qmailpop3d_tls for those services when on)."
    )


def auth_help(session: Session) -> str:
    text = (
        "SMTP AUTH (PLAIN/LOGIN, offered only after STARTTLS) for users with a system "
        "password: after logging in they may send mail anywhere. "
    )
    if session.smtpd_does_auth():
        return text + (
            "In this era AUTH is in qmail-smtpd, from the tls build option (it turns sasl "
            "on). " + _option_cost(session, "tls") + " The checkpassword package is "
            "installed and made setuid root; rc.conf's qmailsmtpd_postsmtpd runs it."
        )
    return text + (
        "In this era qmail-smtpd has no AUTH: authenticated submission is qmailofmipd on "
        "port 587 with authup and nbcheckpassword (qmail-acceptutils, which qmail-run "
        "installs), so qmailofmipd runs. No build option, no extra package."
    )


def srs_help(session: Session) -> str:
    return (
        "Sender Rewriting Scheme: mail forwarded elsewhere leaves with the sender "
        "SRS0=...@DOMAIN, so SPF checks at the next hop pass; bounces come back to "
        "srsfilter. Use a domain of its own (srs.example.org) whose MX is this host. Writes "
        "control/srs_domain, a secret made on the host (control/srs_secrets, 0640), DOMAIN "
        "in rcpthosts and virtualdomains (DOMAIN:srs) and alias/.qmail-srs-default. Needs "
        "the qmail-srs build option. " + _option_cost(session, "qmail-srs") + " Empty: no SRS."
    )


ROUTES_HELP = (
    "control/smtproutes: mail for a domain goes to host[:port] instead of the domain's "
    "MX. Write domain:host[:port] entries, comma-separated. A leading ':' routes every "
    "other domain (a smarthost: ':smarthost.example.net:587'); '.example.com' covers its "
    "sub-domains; an empty host means the domain's MX. No build option, no package."
)
SIZE_HELP = (
    "control/databytes: qmail-smtpd refuses a larger message (552). A size in bytes, or "
    "with K, M or G (10M = 10485760 bytes); empty or 0: no limit. No build option, no "
    "package."
)
