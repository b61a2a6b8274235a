"""Shared pieces of the reliability suites: the CI hypothesis settings and hostile values."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tui.backend.profile import model

#: Examples a property runs: the hypothesis profile's (``ci``, README's test command:
#: 2,000, the same ones every time; the default at a desk, the fast lane: 100)
EXAMPLES = settings.default.max_examples
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
#: A property that drives a real screen (Textual's pilot, tens of ms an edit) runs fewer;
#: the backend's own properties above cover the values in bulk.
SCREEN_EXAMPLES = max(10, EXAMPLES // 20)
SCREEN_PROPERTY = settings(PROPERTY, max_examples=SCREEN_EXAMPLES)

#: Values that would do harm if they reached a shell or a path unquoted.  Each creates
#: the canary (or writes beside it) when a shell runs it.
CANARY = "/tmp/canary"
INJECTIONS = (
    f"$(touch {CANARY})",
    f"`touch {CANARY}`",
    f"x; touch {CANARY}",
    f"x && touch {CANARY}",
    f"x | tee {CANARY}",
    f"x > {CANARY}",
    f"x\ntouch {CANARY}",
    f"x\rtouch {CANARY}",
    "../../../../tmp/canary",
    "../../etc/passwd",
    "/tmp/canary",
    "x/../../y",
    "x\x00y",
    "x'y",
    'x"y',
    "x\\y",
    "-rf",
    "--help",
    "x y",
    "x\ty",
    "*",
    "?",
    "~root",
    "${IFS}",
    "x#y",
    "x\x1b[31my",
    "x%y",
    "x\u202ey",
    "x\u200by",
    "x\ud800y",
    "mail.example.org\n",
    " mail.example.org",
    "MAIL.example.org",
    "a" * 300,
)

#: Characters that mean something to sh, YAML, paths or terminals, to mix into text.
NASTY = "$`;&|<>(){}[]'\"\\\n\r\t\x00\x1b/.*?~#%!: ,@+-=^\u202e\u200b\ufeffé\U0001f4a9"
nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from(NASTY + "az09"), max_size=40),
    st.sampled_from(INJECTIONS),
    st.builds(
        lambda a, b, c: a + b + c,
        st.sampled_from(["mail.example.org", "example.org", "admin", "127.", "tls", "qmaild", ""]),
        st.sampled_from(INJECTIONS),
        st.sampled_from(["", ".example.org", "x"]),
    ),
)

#: Keys of the profile's schema, and a few it does not have, for drawn mappings.
PROFILE_KEYS = [
    "version",
    "install",
    "build",
    "mail",
    "services",
    "method",
    "options",
    "accounts",
    "me",
    "defaultdomain",
    "locals",
    "rcpthosts",
    "virtualdomains",
    "aliases",
    "relay_from",
    "defaultdelivery",
    "qmailsmtpd",
    "daemon",
    "root",
    "password",
    "x",
]


def set_field(profile, where: str, value: str) -> str:
    """Put ``value`` at ``where`` in ``profile``; the key path its problems name."""
    mail, accounts = profile.mail, profile.build.accounts
    kind, _, name = where.partition(":")
    if kind == "account":
        setattr(accounts, name, value)
        return f"build.accounts.{name}"
    if kind in ("me", "defaultdomain", "plusdomain", "defaultdelivery"):
        setattr(mail, kind, value)
        return f"mail.{kind}"
    if kind in ("locals", "rcpthosts", "relay_from"):
        getattr(mail, kind).append(value)
        return f"mail.{kind}[{len(getattr(mail, kind)) - 1}]"
    if kind == "virtual-domain":
        mail.virtualdomains[value] = "joe"
        mail.rcpthosts.append(value)
        return "mail.virtualdomains."
    if kind == "virtual-prefix":
        mail.virtualdomains["example.net"] = value
        mail.rcpthosts.append("example.net")
        return "mail.virtualdomains.example.net"
    if kind == "alias-name":
        mail.aliases[value] = "admin"
        return "mail.aliases."
    if kind == "alias-target":
        mail.aliases["root"] = value
        return "mail.aliases.root"
    if kind == "alias-only":  # the system aliases missing: the suggestion quotes this one
        mail.aliases = {"admin": value}
        return "mail.aliases.admin"
    if kind == "srs-domain":
        mail.srs.domain = value
        return "mail.srs.domain"
    if kind == "route-domain":
        mail.smtproutes[value] = "127.0.0.1"
        return "mail.smtproutes."
    if kind == "route":
        mail.smtproutes["remote.example"] = value
        return "mail.smtproutes.remote.example"
    if kind == "certificate":
        profile.tls.certificate = value
        return "tls.certificate"
    if kind == "method":
        profile.install.method = value
        return "install.method"
    profile.build.options = [value]
    return "build.options[0]"


FIELDS = [f"account:{k}" for k in model.ACCOUNT_DEFAULTS] + [
    "me",
    "defaultdomain",
    "plusdomain",
    "defaultdelivery",
    "locals",
    "rcpthosts",
    "relay_from",
    "virtual-domain",
    "virtual-prefix",
    "alias-name",
    "alias-target",
    "alias-only",
    "srs-domain",
    "route-domain",
    "route",
    "certificate",
    "method",
    "option",
]
