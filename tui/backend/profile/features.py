"""What the mail features of a profile (issue 14) imply in each pkgsrc era: the build
options they need, and the services they turn on.

2017Q1's qmail-smtpd gets STARTTLS and SMTP AUTH from the ``tls`` patch (which implies
``sasl``); 2020Q2's qmail has no such patch (its ``tls`` is qmail-remote's) and does
STARTTLS in sslserver and AUTH in qmailofmipd.  The catalog tells the eras apart: only
the 2017 vocabulary has ``sasl``.
"""

from __future__ import annotations

from .model import Profile


def smtpd_patch_era(catalog) -> bool:
    """True when qmail-smtpd itself does STARTTLS and AUTH (the 2017Q1 tls patch)."""
    return "sasl" in catalog.supported


def needed_options(profile: Profile, catalog) -> list[tuple[str, str]]:
    """(option, why) for each build option the features need and the words lack."""
    have = catalog.effective(profile.build.options)
    needed = []
    if profile.mail.srs.domain and "qmail-srs" not in have:
        needed.append(("qmail-srs", "SRS (mail.srs) needs qmail built with qmail-srs"))
    if smtpd_patch_era(catalog) and "tls" not in have:
        if profile.mail.smtp_auth:
            needed.append(("tls", "SMTP AUTH comes from the tls patch (it implies sasl)"))
        elif profile.tls.certificate:
            needed.append(("tls", "STARTTLS comes from the tls patch"))
    return needed


def submission_on(profile: Profile, catalog) -> bool:
    """True when qmailofmipd runs: asked for, or (2020Q2) for SMTP AUTH on 587."""
    return profile.services.qmailofmipd or (profile.mail.smtp_auth and not smtpd_patch_era(catalog))
