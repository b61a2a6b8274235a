"""The profile: everything the wizard needs to know to install or reconfigure qmail.

Plain dataclasses with the defaults of DESIGN §6, and :func:`defaults_for`, the
profile a fresh host suggests.  Loading, validation and YAML dumping live beside it
in :mod:`tui.backend.profile`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from ..facts import SERVICES

INSTALL_METHODS = ("auto", "binary", "pkgin", "source")
DELIVERIES = ("./Maildir/", "./Mailbox")
SYSTEM_ALIASES = ("root", "postmaster", "mailer-daemon")

#: Profile account key -> pkgsrc build variable (facts §3.1), in the facts' order.
ACCOUNT_VARS = {
    "alias": "QMAIL_ALIAS_USER",
    "daemon": "QMAIL_DAEMON_USER",
    "log": "QMAIL_LOG_USER",
    "root": "QMAIL_ROOT_USER",
    "passwd": "QMAIL_PASSWD_USER",
    "queue": "QMAIL_QUEUE_USER",
    "remote": "QMAIL_REMOTE_USER",
    "send": "QMAIL_SEND_USER",
    "qmail_group": "QMAIL_QMAIL_GROUP",
    "nofiles_group": "QMAIL_NOFILES_GROUP",
}
ACCOUNT_DEFAULTS = {
    "alias": "alias",
    "daemon": "qmaild",
    "log": "qmaill",
    "root": "root",
    "passwd": "qmailp",
    "queue": "qmailq",
    "remote": "qmailr",
    "send": "qmails",
    "qmail_group": "qmail",
    "nofiles_group": "nofiles",
}
GROUP_KEYS = ("qmail_group", "nofiles_group")


@dataclass
class Install:
    method: str = "auto"


@dataclass
class Accounts:
    alias: str = "alias"
    daemon: str = "qmaild"
    log: str = "qmaill"
    root: str = "root"
    passwd: str = "qmailp"
    queue: str = "qmailq"
    remote: str = "qmailr"
    send: str = "qmails"
    qmail_group: str = "qmail"
    nofiles_group: str = "nofiles"

    def is_default(self) -> bool:
        return all(getattr(self, k) == v for k, v in ACCOUNT_DEFAULTS.items())


@dataclass
class Build:
    #: PKG_OPTIONS.qmail words relative to the defaults: "name" adds, "-name" removes.
    options: list[str] = field(default_factory=list)
    accounts: Accounts = field(default_factory=Accounts)


@dataclass
class Srs:
    #: the SRS domain (srs.example.org); "" = no SRS.  The secret is made on the host.
    domain: str = ""


@dataclass
class Mail:
    me: str = ""
    defaultdomain: str = ""
    plusdomain: str = ""
    locals: list[str] = field(default_factory=list)
    rcpthosts: list[str] = field(default_factory=list)
    virtualdomains: dict[str, str] = field(default_factory=dict)
    defaultdelivery: str = "./Maildir/"
    #: name -> a target or a list of targets; {} = the system aliases to the admin user
    aliases: dict[str, str | list[str]] = field(default_factory=dict)
    relay_from: list[str] = field(default_factory=lambda: ["127."])
    smtp_auth: bool = False
    srs: Srs = field(default_factory=Srs)
    #: domain -> host[:port]; "" = every other domain
    smtproutes: dict[str, str] = field(default_factory=dict)
    #: the largest message qmail-smtpd accepts, in bytes; 0 = no limit
    databytes: int = 0


@dataclass
class Tls:
    #: "" (none), "self-signed" (made on the host) or a host path to a PEM file
    #: holding the certificate and its key
    certificate: str = ""


@dataclass
class Services:
    qmailsend: bool = True
    qmailsmtpd: bool = True
    qmailqread: bool = True
    qmailpop3d: bool = False
    qmailofmipd: bool = False
    replace_mta: bool = True

    def enabled(self) -> list[str]:
        return [name for name in SERVICES if getattr(self, name)]


@dataclass
class Profile:
    version: int = 1
    install: Install = field(default_factory=Install)
    build: Build = field(default_factory=Build)
    mail: Mail = field(default_factory=Mail)
    tls: Tls = field(default_factory=Tls)
    services: Services = field(default_factory=Services)


def field_names(cls) -> list[str]:
    return [f.name for f in fields(cls)]


def parent_domain(me: str) -> str:
    """The domain ``me`` belongs to (mail.example.org -> example.org; example.org stays)."""
    labels = me.split(".")
    return ".".join(labels[1:]) if len(labels) > 2 else me


def derived_mail(me: str) -> dict[str, str | list[str]]:
    """The mail values a profile may leave out, derived from ``mail.me``."""
    parent = parent_domain(me)
    return {
        "defaultdomain": parent,
        "plusdomain": parent,
        "locals": list(dict.fromkeys([me, parent, "localhost"])),
        "rcpthosts": list(dict.fromkeys([me, parent])),
    }


def system_aliases(admin_user: str) -> dict[str, str | list[str]]:
    """root, postmaster and mailer-daemon to ``admin_user`` (the derived aliases)."""
    return dict.fromkeys(SYSTEM_ALIASES, admin_user)


def alias_targets(target: str | list[str]) -> list[str]:
    """An alias's targets as a list (a profile may give one target or a list)."""
    return [target] if isinstance(target, str) else list(target)


def defaults_for(hostname: str, admin_user: str) -> Profile:
    """The profile a fresh host suggests: its name, its parent domain, admin's aliases."""
    me = hostname.strip().lower().rstrip(".")
    mail = Mail(me=me, aliases=system_aliases(admin_user), **derived_mail(me))  # type: ignore[arg-type]
    return Profile(mail=mail)
