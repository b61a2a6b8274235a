"""The built-in knowledge of qmail's build options, as data (facts §1a, §1b, §1c).

What a host cannot print: each option's admin-facing help text and cost, and per
pkgsrc era the options offered, the pick-one groups, the defaults, the implications
(2017Q1 ``tls`` turns ``sasl`` on) and what became of the names the era does not
offer.  A new option gets an :data:`OPTIONS` entry, then a place in the eras that
offer it and an ``absent`` text in the eras that do not.  Only
:mod:`.readers` merges these tables with what a host reports.
"""

from __future__ import annotations

from dataclasses import dataclass

ERAS = ("2017Q1", "2020Q2")


@dataclass(frozen=True)
class OptionInfo:
    """Built-in knowledge of one option: help paragraph and what it costs."""

    text: str
    cost: str


@dataclass(frozen=True)
class Era:
    """The option vocabulary of one pkgsrc era's qmail package."""

    general: tuple[str, ...]
    groups: dict[str, tuple[str, ...]]
    defaults: tuple[str, ...]
    implies: dict[str, str]
    #: names this era does not offer -> what an admin should know.
    absent: dict[str, str]


_REJECTUTILS = (
    "since 2017-08 a program, {prog}, in qmail-rejectutils; {how}. "
    "Remove the word: qmail-run installs qmail-rejectutils."
)
_ALWAYS_ON = "always on since 2017-08: the patch is applied to every build; remove the word."

#: Every qmail option of the eras in the facts file (§1a, §1b, §1c).
OPTIONS: dict[str, OptionInfo] = {
    # --- 2017Q1 (qmail-1.03nb27) ---------------------------------------------------
    "djbware-errno-hack": OptionInfo(
        "Fixes compilation on modern systems: replaces qmail's old 'extern int errno;' "
        "declaration with '#include <errno.h>'. Added by pkgsrc's djbware.mk to every "
        "djb package and on by default; there is no reason to turn it off.",
        "nothing (a source-only fix)",
    ),
    "qmail-netqmail": OptionInfo(
        "Builds netqmail-1.06, a collection of fixes to qmail-1.03 prepared by "
        "respected list members, instead of pristine qmail-1.03. On by default; "
        "turning it off builds the 1998 code with its known bugs.",
        "nothing (another source tarball)",
    ),
    "qmail-bigdns": OptionInfo(
        "Lets qmail cope with DNS replies larger than 512 bytes when it looks up MX "
        "records; without it mail to some large domains fails. On by default.",
        "nothing",
    ),
    "qmail-maildiruniq": OptionInfo(
        "Keeps Maildir file names unique even when process IDs are reused quickly, so "
        "two deliveries in the same second can never collide.",
        "nothing",
    ),
    "qmail-outgoingip": OptionInfo(
        "Lets you pin the source IP address qmail-remote uses for outgoing SMTP "
        "(control/outgoingip), useful on hosts with several addresses.",
        "nothing",
    ),
    "qmail-srs": OptionInfo(
        "Sender Rewriting Scheme: forwarded mail gets a rewritten envelope sender so "
        "that SPF checks at the next hop pass. Installs srsfilter and README.srs.",
        "builds against mail/libsrs2 (an extra package)",
    ),
    "qmail-viruscan": OptionInfo(
        "qmail-smtpd rejects messages whose MIME attachments match signatures in "
        "control/signatures (typically executable attachment types).",
        "nothing; installs control/signatures",
    ),
    "qmail-badrcptto": OptionInfo(
        "qmail-smtpd rejects envelope recipients listed in control/badrcptto during "
        "the SMTP dialogue. Pick-one group rcpt.",
        "nothing",
    ),
    "qmail-qregex": OptionInfo(
        "qmail-smtpd rejects senders and recipients by regular-expression patterns "
        "(control/badmailfrom, badrcptto and friends). Pick-one group rcpt.",
        "nothing; installs extra files",
    ),
    "qmail-rcptcheck": OptionInfo(
        "qmail-smtpd runs an external program to decide whether a recipient is "
        "accepted (Jay Soffian's patch). Pick-one group rcpt.",
        "nothing",
    ),
    "qmail-realrcptto": OptionInfo(
        "qmail-smtpd rejects mail for local recipients that do not exist during the "
        "SMTP dialogue, instead of accepting it and bouncing later (less backscatter). "
        "On by default; pick-one group rcpt.",
        "nothing",
    ),
    "sasl": OptionInfo(
        "SMTP AUTH in qmail-smtpd (the AUTH half of the netqmail TLS+AUTH patch), so "
        "users can authenticate to relay.",
        "builds against security/openssl",
    ),
    "tls": OptionInfo(
        "STARTTLS. In the 2017 packages: qmail-smtpd and qmail-remote, and it turns "
        "sasl on. From 2018-11: the qmail-remote side (incoming TLS comes from "
        "ucspi-ssl). Installs update_tmprsadh to refresh the DH/RSA parameters.",
        "builds against security/openssl; in 2020 also ucspi-ssl",
    ),
    "syncdir": OptionInfo(
        "Makes link, rename, unlink and open synchronous (libsyncdir), so queued and "
        "delivered mail survives a crash on file systems with asynchronous metadata.",
        "builds against devel/syncdir",
    ),
    # --- 2017-08 transition names --------------------------------------------------
    "eai": OptionInfo(
        "Email Address Internationalization (SMTPUTF8): addresses and headers in UTF-8.",
        "builds against devel/libidn2 (libidn2 and libunistring at run time)",
    ),
    "qmail-customerror": OptionInfo(
        "Queue filters may return their own SMTP error text instead of qmail's fixed message.",
        "nothing",
    ),
    "qmail-rejectutils": OptionInfo(
        "Adds the reject programs (qmail-rcptcheck-realrcptto, -badrcptto, -qregex, "
        "qmail-qfilter-viruscan, ...) that replaced the old rcpt options; qmail-smtpd "
        "runs them from control/rcptchecks.",
        "nothing",
    ),
    "qmail-remote": OptionInfo(
        "qmail-send runs the program named by $QMAILREMOTE instead of qmail-remote, so "
        "outgoing delivery can be wrapped.",
        "nothing",
    ),
    # --- 2020 (qmail-1.03nb48, notqmail-1.07) --------------------------------------
    "inet6": OptionInfo(
        "Not an IPv6 patch for qmail: with tls off it makes qmail-run use ucspi-tcp6's "
        "tcpserver (which listens on IPv6); with tls on it has no effect.",
        "depends on net/ucspi-tcp6",
    ),
    "pam": OptionInfo(
        "POP3 and submission check passwords through PAM (checkpassword-pam) instead "
        "of the plain passwd database (checkpassword).",
        "depends on checkpassword-pam instead of checkpassword",
    ),
    "tai-system-clock": OptionInfo(
        "For hosts whose clock runs on TAI rather than UTC (netqmail leap-seconds "
        "patch). Leave it off unless you know your clock is TAI.",
        "depends on libtai",
    ),
}

_NOT_YET = "added to pkgsrc later ({when}); the 2017Q1-era qmail does not offer it{note}."


TABLES: dict[str, Era] = {
    "2017Q1": Era(
        general=(
            "djbware-errno-hack",
            "qmail-bigdns",
            "qmail-maildiruniq",
            "qmail-netqmail",
            "qmail-outgoingip",
            "qmail-srs",
            "qmail-viruscan",
            "sasl",
            "syncdir",
            "tls",
        ),
        groups={"rcpt": ("qmail-badrcptto", "qmail-qregex", "qmail-rcptcheck", "qmail-realrcptto")},
        defaults=("djbware-errno-hack", "qmail-bigdns", "qmail-netqmail", "qmail-realrcptto"),
        implies={"tls": "sasl"},
        absent={
            "eai": _NOT_YET.format(when="2017-08", note=""),
            "qmail-customerror": _NOT_YET.format(when="2017-08-13", note=""),
            "qmail-rejectutils": _NOT_YET.format(
                when="2017-08", note="; here the rcpt options (qmail-realrcptto, ...) do its job"
            ),
            "qmail-remote": _NOT_YET.format(when="2017-05-22", note="; always on since 2017-08"),
            "inet6": _NOT_YET.format(when="by 2018-11", note=""),
            "pam": _NOT_YET.format(when="2018-11", note="; POP3 here uses checkpassword"),
            "tai-system-clock": _NOT_YET.format(when="2019", note=""),
        },
    ),
    "2020Q2": Era(
        general=(
            "eai",
            "inet6",
            "pam",
            "qmail-customerror",
            "qmail-srs",
            "syncdir",
            "tai-system-clock",
            "tls",
        ),
        groups={},
        defaults=("eai", "qmail-customerror", "qmail-srs", "syncdir", "tls"),
        implies={},
        absent={
            "qmail-netqmail": _ALWAYS_ON,
            "qmail-bigdns": _ALWAYS_ON,
            "qmail-maildiruniq": _ALWAYS_ON,
            "qmail-outgoingip": _ALWAYS_ON,
            "qmail-rcptcheck": _ALWAYS_ON + " Recipient checks are listed in control/rcptchecks.",
            "qmail-remote": _ALWAYS_ON,
            "qmail-realrcptto": _REJECTUTILS.format(
                prog="qmail-rcptcheck-realrcptto", how="qmail-smtpd calls it via control/rcptchecks"
            ),
            "qmail-badrcptto": _REJECTUTILS.format(
                prog="qmail-rcptcheck-badrcptto", how="qmail-smtpd calls it via control/rcptchecks"
            ),
            "qmail-qregex": _REJECTUTILS.format(
                prog="qmail-rcptcheck-qregex", how="qmail-smtpd calls it via control/rcptchecks"
            ),
            "qmail-viruscan": _REJECTUTILS.format(
                prog="qmail-qfilter-viruscan", how="it runs as a qmail-qfilter queue filter"
            ),
            "sasl": "gone since 2018-11: SMTP AUTH left the qmail package for "
            "mail/qmail-acceptutils, which qmail-run installs; remove the word.",
            "qmail-rejectutils": "gone as an option since 2018-11: the reject programs "
            "are the package mail/qmail-rejectutils, which "
            "qmail-run installs; remove the word.",
            "djbware-errno-hack": "not offered by this era's qmail (djbware.mk turned "
            "the errno fix into an automatic source fix); "
            "remove the word.",
        },
    ),
}
