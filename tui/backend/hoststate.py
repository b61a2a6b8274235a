"""What one probe of a host saw (HostState), and what it means: users, groups, the
pkgsrc era, the SMTP rules' layout, rc.conf values.  :mod:`probe` fills it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import procmatch
from .facts import (
    ALIAS_DIR,
    CONTROL,
    MAILER_CONF,
    QMAIL_EXAMPLE_MAILER,
    RC_CONF,
    RC_DEFAULTS,
    SERVICES,
    SYSCONF,
    RcConf,
)

#: where postfix's master writes its pid
POSTFIX_PIDFILE = procmatch.PIDFILES["postfix"]
#: the text files a probe reads (HostState.files; missing ones are absent)
TEXT_FILES = (
    RC_CONF,
    RC_DEFAULTS,
    MAILER_CONF,
    "/etc/mk.conf",
    "/etc/pkg_install.conf",
    "/etc/passwd",
    "/etc/group",
    "/etc/myname",
    f"{SYSCONF}/tcp.smtp",
    f"{SYSCONF}/tcp.pop3",
    f"{SYSCONF}/tcp.ofmip",
    QMAIL_EXAMPLE_MAILER,
    "/etc/rc.d/qmailsmtpd",
    "/var/db/qmail-wizard/services.json",
    "/var/db/qmail-wizard/written.json",
    "/var/db/qmail-wizard/packages.json",
)
#: compiled rules: (source, cdb) of both qmail-run layouts (facts §4.2, §5.2-5.3)
CDBS = (
    (f"{SYSCONF}/tcp.smtp", f"{SYSCONF}/tcp.smtp.cdb"),
    (f"{CONTROL}/tcprules/smtp", f"{CONTROL}/tcprules/smtp.cdb"),
    (f"{SYSCONF}/tcp.ofmip", f"{SYSCONF}/tcp.ofmip.cdb"),  # 2017Q1's qmailofmipd
)
#: files whose content the probe shows in HostState.files and nowhere else: writing
#: one changes nothing else it reads (see HostState.after)
PLAIN_FILES = (
    frozenset(TEXT_FILES)
    - {
        "/etc/passwd",  # homes: the Maildir checks
        "/etc/mk.conf",  # make show-options
        "/etc/pkg_install.conf",  # PKG_PATH: the binary packages' options
        "/etc/rc.d/qmailsmtpd",  # run by the rc.d status checks,
        RC_CONF,
        RC_DEFAULTS,  # which read these (rc.d/qmail's output)
    }
    - {src for src, _cdb in CDBS}
)
#: files whose content the probe never reads (keys and secrets), only their
#: ``ls -l`` mode, owner and group (HostState.modes)
SECRET_FILES = (
    f"{CONTROL}/servercert.pem",
    f"{CONTROL}/srs_secrets",
    f"{CONTROL}/dh2048.pem",
)
#: files whose mode the probe reports too (a setuid bit the plan sets)
MODE_FILES = SECRET_FILES + ("/usr/pkg/bin/checkpassword",)
#: directories whose plain files (and .qmail-* files) the probe reads
LISTED_DIRS = (CONTROL, f"{CONTROL}/tcprules", ALIAS_DIR)
#: what the probe says of a Maildir and each of its new, cur and tmp
MAILDIR_KINDS = ("dir", "foreign", "link", "other", "missing")
MAILDIR_SUBDIRS = ("new", "cur", "tmp")


@dataclass
class HostState:
    """What one probe saw.  Files map path -> text (missing files are absent)."""

    uname: str = ""
    hostname: str = ""
    uid: int = -1
    files: dict[str, str] = field(default_factory=dict)
    packages: dict[str, str] = field(default_factory=dict)  # base -> pkgname
    #: the entries of /var/db/pkg (and their +CONTENTS) when pkg_info answered
    pkgdb: str = ""
    build_info: dict[str, dict[str, str]] = field(default_factory=dict)  # base -> vars
    #: /usr/pkgsrc/mail/qmail/Makefile exists, and the qmail-*.tgz files in PKG_PATH
    pkgsrc_tree: bool = False
    binary_packages: list[str] = field(default_factory=list)
    #: the option catalog's input (None and {} until read: probe(catalog=False))
    show_options: str | None = None
    binary_options: dict[str, str] = field(default_factory=dict)  # package file -> words
    rcd_status: dict[str, tuple[int, str]] = field(default_factory=dict)  # script -> rc, out
    #: the scripts of RCD_SCRIPTS, the umbrella qmail and postfix that /etc/rc.d holds
    rcd_scripts: set[str] = field(default_factory=set)
    #: the pid of postfix's master process (procmatch), None when none runs
    postfix_master: int | None = None
    #: user (uid 1000-32766 at home in /home) or "/etc/skel" -> what ~/Maildir and its
    #: new, cur, tmp are (nothing followed): {"Maildir": kind, "new": kind, ...}, kinds
    #: as MAILDIR_KINDS; "foreign" is a real directory someone else owns (root after an
    #: interrupted run)
    maildirs: dict[str, dict[str, str]] = field(default_factory=dict)
    #: user -> up to 3 entries in the Maildir (two levels down; not new, cur, tmp) that
    #: are symlinks or belong to someone else: reported, never changed
    maildir_odd: dict[str, list[str]] = field(default_factory=dict)
    #: the .qmail-* names the alias directory lists (read afterwards, by the safe rules)
    alias_names: list[str] = field(default_factory=list)
    #: path -> why a file in a user-controlled directory was not read (Refused)
    refused: dict[str, str] = field(default_factory=dict)
    cdbs: dict[str, bool] = field(default_factory=dict)  # cdb path -> up to date
    #: path -> (ls -l mode string, owner, group) of MODE_FILES that exist
    modes: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    tools: set[str] = field(default_factory=set)
    #: the IPv4 addresses ``ifconfig -a`` shows (None: it could not be run)
    addresses: list[str] | None = None

    @property
    def is_netbsd(self) -> bool:
        return self.uname.startswith("NetBSD ")

    def text(self, path: str) -> str | None:
        return self.files.get(path)

    def running(self, service: str) -> bool:
        if service == "postfix":
            return self.postfix_master is not None
        return self.rcd_status.get(service, (1, ""))[0] == 0

    def status_line(self, service: str) -> str:
        """What was seen of a service: rc.d status's last line, postfix's master."""
        if service == "postfix":
            return (
                f"master pid {self.postfix_master}"
                if self.postfix_master
                else f"no {procmatch.POSTFIX_MASTER} process runs"
            )
        lines = self.rcd_status.get(service, (1, ""))[1].splitlines()
        return lines[-1] if lines else f"/etc/rc.d/{service} is missing"

    def users(self) -> dict[str, tuple[int, int, str]]:
        """name -> (uid, gid, home) from /etc/passwd."""
        found: dict[str, tuple[int, int, str]] = {}
        for line in (self.text("/etc/passwd") or "").splitlines():
            parts = line.split(":")
            if len(parts) >= 7 and parts[2].isdigit() and parts[3].isdigit():
                found.setdefault(parts[0], (int(parts[2]), int(parts[3]), parts[5]))
        return found

    def groups(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for line in (self.text("/etc/group") or "").splitlines():
            parts = line.split(":")
            if len(parts) >= 3 and parts[2].isdigit():
                found.setdefault(parts[0], int(parts[2]))
        return found

    def after(self, files: Mapping[str, str], effects: tuple[Effect, ...] = ()) -> HostState | None:
        """This state once ``files`` (path -> text) are written, commands did what
        ``effects`` say and nothing else changed, as a probe would then read it; None
        when a write could change more than the file's text (mk.conf, passwd ...) or an
        effect is not known here: probe again."""
        compiled = {e.source for e in effects if isinstance(e, CdbBuilt)}
        if not all(
            (_plain(path) or path in compiled or self._knobs_only(path, text)) and "\r" not in text
            for path, text in files.items()
        ):
            return None  # (the probe reads text with universal newlines)
        names = {p.rpartition("/")[2] for p in files if p.startswith(f"{ALIAS_DIR}/.qmail-")}
        maildirs, cdbs = dict(self.maildirs), dict(self.cdbs)
        for effect in effects:
            if isinstance(effect, MaildirMade) and effect.key in maildirs:
                maildirs[effect.key] = {
                    **maildirs[effect.key],
                    **dict.fromkeys(effect.parts, "dir"),
                }
            elif isinstance(effect, CdbBuilt) and not _plain(effect.cdb):
                cdbs[effect.cdb] = True
            else:  # (a cdb the probe reads as a file: its bytes are not known here)
                return None
        return dataclasses.replace(
            self,
            files={**self.files, **files},
            alias_names=sorted(set(self.alias_names) | names),
            maildirs=maildirs,
            cdbs=cdbs,
        )

    def _knobs_only(self, path: str, text: str) -> bool:
        """True when ``text`` for /etc/rc.conf changes only lines that turn a
        service on or off (``qmailsend=YES``, ``postfix=NO``), and nothing else in it
        names those knobs: the status checks (``onestatus``) are then unchanged."""
        old = self.text(path)
        if path != RC_CONF or old is None:
            return False
        before, after = old.splitlines(), text.splitlines()
        changed = set(before).symmetric_difference(after)
        if not all(_ENABLE_LINE.fullmatch(line) or _NOTE_LINE.fullmatch(line) for line in changed):
            return False
        names = {m.group(1) for m in map(_ENABLE_LINE.fullmatch, changed) if m}
        return not any(
            f"${name}" in line or f"${{{name}" in line for line in before + after for name in names
        )

    def admin_user(self) -> str | None:
        """The first ordinary login user (uid >= 1000, with a home), as a default."""
        people = [
            (uid, name)
            for name, (uid, _gid, home) in self.users().items()
            if 1000 <= uid < 32767 and home.startswith("/home/")
        ]
        return min(people)[1] if people else None

    def era(self) -> str:
        """The pkgsrc era of this NetBSD release: 2017Q1 (6.x, 7.x) or 2020Q2."""
        words = self.uname.split()
        release = words[1] if len(words) > 1 else ""
        return "2017Q1" if release.startswith(("6.", "7.")) else "2020Q2"

    def rules_paths(self) -> tuple[str, str]:
        """(source, cdb) of the SMTP rules, as this host's qmailsmtpd rc.d script uses
        them; before qmail-run is installed, its era's layout."""
        script = self.text("/etc/rc.d/qmailsmtpd")
        if script is None:
            script = "control/tcprules" if self.era() == "2020Q2" else ""
        return CDBS[1] if "control/tcprules" in script else CDBS[0]

    def rc_conf(self) -> RcConf:
        """rc.conf values as /etc/rc sees them (see facts.RcConf)."""
        return RcConf(self.text(RC_CONF) or "", self.text(RC_DEFAULTS) or "")


#: an rc.conf line that only turns a service on or off at boot
_ENABLE_LINE = re.compile(rf"\s*({'|'.join(SERVICES)}|postfix)=([\"']?)[A-Za-z0-9]*\2\s*(#.*)?")
#: a comment or blank line
_NOTE_LINE = re.compile(r"\s*(#.*)?")


@dataclass(frozen=True)
class MaildirMade:
    """A command made ``parts`` ("Maildir", "new", "cur", "tmp") of ``key``'s Maildir
    (a user, or "/etc/skel") directories of the owner the probe checks, or gave them
    to that owner, and changed nothing else a probe reads."""

    key: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class CdbBuilt:
    """A command compiled ``source`` into ``cdb`` (tcprules), and changed nothing else
    a probe reads."""

    source: str
    cdb: str


#: what a command is known to change (RunCommand.effect), for HostState.after
Effect = MaildirMade | CdbBuilt


def _plain(path: str) -> bool:
    """True when the probe reads ``path`` only as text (see PLAIN_FILES)."""
    directory, _, name = path.rpartition("/")
    if directory in LISTED_DIRS:
        return path not in {src for src, _cdb in CDBS} and (
            not name.startswith(".") or name.startswith(".qmail-")
        )
    return path in PLAIN_FILES
