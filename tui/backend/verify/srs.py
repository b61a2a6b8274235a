"""verify's SRS check: a forwarded test message leaves qmail-local with an
``SRS0=…@srs_domain`` envelope sender.

How, and why so: a temporary alias ``~alias/.qmail-qmail-wizard-srs-TOKEN`` forwards
(``&postmaster``) a test message whose sender is at ``qmail-wizard.invalid`` (a domain
not in rcpthosts, so qmail-srs rewrites it).  The forward is re-injected with the SRS
sender and delivered to postmaster's mailbox, whose Return-Path shows that sender.
Nothing leaves the host and no shared control file (smtproutes) changes: on a real host
a temporary route would redirect a domain for every delivery running meanwhile, and be
left behind by a crash.  The alias file is unique to the run and removed right after.
"""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING

from ..facts import ALIAS_DIR, CONTROL
from ..hosts import HostError
from . import features
from .delivery import remove_test_message, send_test_message
from .report import Check

if TYPE_CHECKING:
    from .checks import Verifier

#: the envelope sender's domain: outside rcpthosts, reserved (RFC 2606), never routed
SENDER_DOMAIN = "qmail-wizard.invalid"
RETURN_PATH = re.compile(rb"^Return-Path: <([^>]*)>", re.M)
TITLE = "a forwarded message leaves with an SRS0 sender"


def srs(v: Verifier) -> list[Check]:
    """Check srs; [] when control/srs_domain is not set."""
    domain = features.srs_domain(v.state)
    if not domain:
        return []
    secrets_path = f"{CONTROL}/srs_secrets"
    if "qmail-srs" not in features.qmail_options(v.state):
        return [
            _fail(
                f"{CONTROL}/srs_domain is {domain}, but qmail was built without the "
                "qmail-srs option: forwards keep their original sender",
                "PKG_OPTIONS.qmail+=qmail-srs in /etc/mk.conf, then rebuild mail/qmail "
                "(or qmail-wizard apply with mail.srs in the profile)",
            )
        ]
    # the probe never reads a secret (only its mode): ask the host whether it holds one
    if not v.host.run(["grep", "-q", "[^[:space:]]", secrets_path]).ok:
        return [
            _fail(
                f"{secrets_path} is missing or empty: qmail-srs cannot sign, forwards defer",
                f"(umask 077; head -c 24 /dev/urandom | base64 > {secrets_path}) && "
                f"chgrp nofiles {secrets_path} && chmod 640 {secrets_path}",
            )
        ]
    if not v.state.running("qmailsend"):
        return [_fail("not tried: qmail-send is not running", "/etc/rc.d/qmailsend start")]
    return [_live(v, domain)]


def _fail(detail: str, fix: str) -> Check:
    return Check("srs", TITLE, False, detail, fix)


def _live(v: Verifier, domain: str) -> Check:
    name = f"qmail-wizard-srs-{secrets.token_hex(4)}"
    path = f"{ALIAS_DIR}/.qmail-{name}"
    try:
        v.host.write(path, "&postmaster\n", mode=0o644)
    except HostError as exc:
        return _fail(f"could not write the temporary alias {path} ({exc})", f"check {ALIAS_DIR}")
    try:
        got = send_test_message(
            v.host, name, v.delivery_timeout, v.state, v.cancel, v.run, SENDER_DOMAIN
        )
    finally:
        try:
            v.host.remove(path)
        except HostError:
            pass
    if not got.ok:
        return _fail(
            f"the forwarded test message did not arrive: {got.detail}",
            got.fix or "read /var/log/maillog about it",
        )
    try:
        head = v.host.read_user_file(got.path, owner=got.box.user if got.box else None)
    except HostError as exc:
        head = b""
        got.detail += f" (not readable: {exc})"
    found = RETURN_PATH.search(head.split(b"\n\n", 1)[0])
    sender = found.group(1).decode("utf-8", "replace") if found else ""
    note = "" if v.keep_test_message else remove_test_message(v.host, got)
    shown = f"{sender} ({note})" if note else sender
    if sender.startswith("SRS0=") and sender.lower().endswith("@" + domain.lower()):
        return Check(
            "srs", TITLE, True, f"the forward of a message from {SENDER_DOMAIN} left as {shown}"
        )
    return _fail(
        f"the forward arrived with sender {shown or 'none'}, not SRS0=…@{domain}",
        f"check {CONTROL}/srs_domain and srs_secrets (readable by the alias user) and that "
        "qmail-send was restarted after the qmail-srs build (/etc/rc.d/qmailsend restart)",
    )
