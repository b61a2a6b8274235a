"""The qmail build-option catalog: what ``PKG_OPTIONS.qmail`` may say on a given host.

A :class:`Catalog` is read from the host (``make show-options`` in the pkgsrc tree, or
a binary package's ``+BUILD_INFO``) or, as a fallback, taken from the built-in table of
one pkgsrc era.  The built-in table also supplies what the host cannot print: the
admin-facing help text, the cost of each option, implications (2017Q1 ``tls`` turns
``sasl`` on) and what became of options a host no longer (or not yet) offers.

Readers parse text only; the probe runs the commands through the Host and feeds them.
Word semantics follow ``mk/bsd.options.mk``: defaults first, then each word in order
(``name`` enables, ``-name`` disables, later words win); members of a pick-one group
form a stack, so the last member asked for replaces the group's default member.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .facts import PKGSRC

if TYPE_CHECKING:
    from .hoststate import HostState

ERAS = ("2017Q1", "2020Q2")


@dataclass(frozen=True)
class OptionInfo:
    """Built-in knowledge of one option: help paragraph and what it costs."""

    text: str
    cost: str


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


@dataclass(frozen=True)
class _Era:
    general: tuple[str, ...]
    groups: dict
    defaults: tuple[str, ...]
    implies: dict
    #: names this era does not offer -> what an admin should know.
    absent: dict


_ERAS = {
    "2017Q1": _Era(
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
    "2020Q2": _Era(
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

#: Names only the 2017Q1-era packages offer: their presence identifies that era.
_OLD_ONLY = frozenset(_ERAS["2017Q1"].general) | frozenset(_ERAS["2017Q1"].groups["rcpt"])
_OLD_ONLY -= frozenset(_ERAS["2020Q2"].general) | {"sasl", "djbware-errno-hack"}


class CatalogError(ValueError):
    """Text that cannot be read as an option catalog."""


@dataclass(frozen=True)
class Catalog:
    """The PKG_OPTIONS.qmail vocabulary of one host."""

    #: Where it came from, for people: "pkgsrc tree ...", "binary package ...", ...
    source: str
    supported: tuple[str, ...]
    defaults: frozenset[str]
    #: group -> members; at most one member may be enabled.
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: option -> option it turns on.
    implies: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    costs: dict[str, str] = field(default_factory=dict)
    #: names not supported here -> what became of them (or when they arrive).
    removed: dict[str, str] = field(default_factory=dict)
    #: what a build would enable now ("currently enabled"; a package's PKG_OPTIONS).
    current: frozenset[str] | None = None

    def _group_of(self) -> dict[str, str]:
        return {m: g for g, members in self.groups.items() for m in members}

    def effective(self, words) -> frozenset[str]:
        """The enabled set a build with PKG_OPTIONS.qmail=words produces."""
        group_of = self._group_of()
        enabled = {o for o in self.defaults if o not in group_of}
        stacks = {
            g: [m for m in members if m in self.defaults] for g, members in self.groups.items()
        }
        for word in words:
            name = word[1:] if word.startswith("-") else word
            if name not in self.supported:
                continue
            if name in group_of:
                stack = stacks[group_of[name]]
                stack[:] = [m for m in stack if m != name]
                if not word.startswith("-"):
                    stack.append(name)
            elif word.startswith("-"):
                enabled.discard(name)
            else:
                enabled.add(name)
        enabled.update(stack[-1] for stack in stacks.values() if stack)
        return _closure(enabled, self.implies)

    def word_problems(self, words) -> list[tuple[int, str]]:
        """(index of the word, message) for every problem in the option words."""
        problems: list[tuple[int, str]] = []
        seen: dict[str, int] = {}
        for i, word in enumerate(words):
            message = self._word_problem(word, seen)
            if message:
                problems.append((i, message))
            if isinstance(word, str):
                seen.setdefault(word, i)
        words = [w if isinstance(w, str) else "" for w in words]
        group_of = self._group_of()
        asked: dict[str, list[tuple[int, str]]] = {}
        for i, word in enumerate(words):
            if word in group_of and seen.get(word) == i:
                asked.setdefault(group_of[word], []).append((i, word))
        for group, picks in asked.items():
            for i, word in picks[1:]:
                problems.append(
                    (
                        i,
                        f'"{picks[0][1]}" and "{word}" are both in the '
                        f'pick-one group "{group}" '
                        f"({' '.join(self.groups[group])}): choose at most one",
                    )
                )
        enabled = self.effective(words)
        for i, word in enumerate(words):
            name = word[1:]
            if word.startswith("-") and name in self.supported:
                for other, implied in sorted(self.implies.items()):
                    if implied == name and other in enabled:
                        problems.append(
                            (
                                i,
                                f'"{word}" has no effect: "{other}" turns '
                                f'"{name}" on; remove "{word}" or also '
                                f'write "-{other}"',
                            )
                        )
        return sorted(problems, key=lambda p: p[0])

    def _word_problem(self, word: str, seen: dict) -> str | None:
        if not isinstance(word, str) or not re.fullmatch(r"[-+]?[A-Za-z0-9][A-Za-z0-9_.-]*", word):
            return (
                f"{word!r} is not an option word: write a name such as "
                '"qmail-srs", or "-name" to turn a default off'
            )
        if word.startswith("+"):
            return (
                f'"{word}": PKG_OPTIONS.qmail has no "+" prefix; write "{word[1:]}" '
                "to turn an option on"
            )
        name = word.lstrip("-")
        if name not in self.supported:
            if name in self.removed:
                return f'"{name}" is not an option here ({self.source}): {self.removed[name]}'
            close = difflib.get_close_matches(name.lower(), self.supported, n=1)
            hint = (
                f'; did you mean "{close[0]}"?'
                if close
                else f"; supported: {' '.join(self.supported)}"
            )
            return f'unknown option "{name}" (not offered by {self.source}){hint}'
        if word in seen:
            return f'"{word}" is given twice'
        opposite = name if word.startswith("-") else f"-{name}"
        if opposite in seen:
            return f'"{name}" and "-{name}" contradict each other; keep one'
        return None

    def check(self, words) -> list[str]:
        """Problems with the option words, one message each (empty when fine)."""
        return [message for _, message in self.word_problems(words)]

    def needs_source_build(self, words) -> bool:
        """True when the words give anything but the binary package's default set."""
        return self.effective(words) != self.defaults

    def changes(self, enabled) -> list[str]:
        """``enabled`` against the defaults: "+name" for each added, "-name" each removed."""
        enabled = set(enabled)
        return [f"+{n}" for n in sorted(enabled - self.defaults)] + [
            f"-{n}" for n in sorted(self.defaults - enabled)
        ]

    def describe(self, name: str) -> str:
        """Help text for one option: what it does, what it costs, its status here."""
        if name not in self.supported:
            return f"{name}: {self.removed.get(name, 'not offered by ' + self.source)}"
        status = "on by default" if name in self.defaults else "off by default"
        group = self._group_of().get(name)
        if group:
            status += f"; pick at most one of the {group} group"
        if name in self.implies:
            status += f"; turns {self.implies[name]} on"
        text = f"{name}: {self.descriptions.get(name, '')}".rstrip()
        cost = self.costs.get(name)
        return f"{text}\nCosts: {cost}. ({status})" if cost else f"{text}\n({status})"


def _closure(enabled, implies: dict) -> frozenset[str]:
    result = set(enabled)
    for name in list(result):
        if implies.get(name):
            result.add(implies[name])
    return frozenset(result)


def _guess_era(names) -> str:
    return "2017Q1" if set(names) & _OLD_ONLY else "2020Q2"


def _assemble(
    source: str,
    supported,
    defaults,
    groups: dict,
    era: str,
    host_descriptions: dict | None = None,
    current=None,
) -> Catalog:
    supported = tuple(sorted(set(supported)))
    implies = {
        a: b for a, b in _ERAS["2017Q1"].implies.items() if a in supported and b in supported
    }
    descriptions = {
        n: OPTIONS[n].text if n in OPTIONS else (host_descriptions or {}).get(n, "")
        for n in supported
    }
    costs = {n: OPTIONS[n].cost for n in supported if n in OPTIONS}
    removed = {n: t for n, t in _ERAS[era].absent.items() if n not in supported}
    return Catalog(
        source,
        supported,
        _closure(defaults, implies),
        groups,
        implies,
        descriptions,
        costs,
        removed,
        None if current is None else _closure(current, implies),
    )


def builtin(era: str) -> Catalog:
    """The built-in catalog of one pkgsrc era ("2017Q1" or "2020Q2")."""
    if era not in _ERAS:
        raise CatalogError(f"unknown pkgsrc era {era!r}; known: {', '.join(ERAS)}")
    e = _ERAS[era]
    names = list(e.general) + [m for members in e.groups.values() for m in members]
    return _assemble(f"built-in table ({era})", names, e.defaults, dict(e.groups), era)


#: bsd.options.mk's group and set headers (``${_grp_:Q}`` outside the shell's quotes,
#: so the name is printed bare).  Required and optional groups resolve alike (the last
#: member asked for wins), so both are pick-one groups here; the members of a set are
#: independent options.
_GROUP_HEADERS = (
    (re.compile(r"^Exactly one of the following ([\w.+-]+) options is required:$"), "group"),
    (re.compile(r"^At most one of the following ([\w.+-]+) options may be selected:$"), "group"),
    (
        re.compile(r"^At least one of the following ([\w.+-]+) options must be selected:$"),
        "general",
    ),
)


def _group_header(line: str):
    """The block a group or set header opens (``("group", name)`` or "general"), or None."""
    for pattern, kind in _GROUP_HEADERS:
        match = pattern.match(line)
        if match:
            return ("group", match.group(1)) if kind == "group" else "general"
    return None


def from_show_options(text: str, source: str) -> Catalog:
    """Parse the output of ``make show-options`` in the qmail pkgsrc directory.

    Option lines are ``<TAB>name<TAB>description`` (the description may start with a
    space, or be missing); the enabled lists are word-wrapped, tab-indented lines.
    """
    supported: list[str] = []
    descriptions: dict[str, str] = {}
    groups: dict[str, tuple[str, ...]] = {}
    lists: dict[str, list[str]] = {}
    block = None
    for line in text.splitlines():
        if line.startswith("\t") and block is not None:
            if block in ("default", "current"):
                lists[block].extend(line.split())
                continue
            name, _, desc = line[1:].partition("\t")
            name = name.strip()
            if not name or " " in name:
                continue
            supported.append(name)
            descriptions[name] = desc.strip()
            if isinstance(block, tuple):
                groups[block[1]] = groups.get(block[1], ()) + (name,)
            continue
        if line == "Any of the following general options may be selected:":
            block = "general"
        elif _group_header(line):
            block = _group_header(line)
        elif line == "These options are enabled by default:":
            block, lists["default"] = "default", []
        elif line == "These options are currently enabled:":
            block, lists["current"] = "current", []
        elif not line.strip() or line.startswith("WARN:"):
            block = None if block in ("default", "current") else block
        else:
            block = None
    if "does not use the options framework" in text:
        raise CatalogError(f"{source}: the package has no build options")
    if not supported or "default" not in lists:
        raise CatalogError(f"{source}: not the output of make show-options (no option list found)")
    return _assemble(
        source,
        supported,
        lists["default"],
        groups,
        _guess_era(supported),
        descriptions,
        lists.get("current"),
    )


def from_build_info(pkg_options: str, source: str, era: str | None = None) -> Catalog:
    """A catalog from a binary package's PKG_OPTIONS (``pkg_info -Q PKG_OPTIONS``).

    The package tells only its enabled set, which for a repository package is the
    default set; the rest comes from the built-in table of ``era`` (guessed from the
    options present when not given).
    """
    enabled = pkg_options.split()
    era = era or _guess_era(enabled)
    if era not in _ERAS:
        raise CatalogError(f"unknown pkgsrc era {era!r}; known: {', '.join(ERAS)}")
    e = _ERAS[era]
    names = list(e.general) + [m for members in e.groups.values() for m in members]
    return _assemble(source, names + enabled, enabled, dict(e.groups), era, current=enabled)


def for_host(state: HostState) -> Catalog:
    """The option catalog of a probed host: its pkgsrc tree's, else its binary
    package's, else the built-in table of its era."""
    if state.show_options:
        return from_show_options(
            state.show_options, f"pkgsrc tree {PKGSRC}/qmail (make show-options)"
        )
    for path, words in sorted(state.binary_options.items()):
        return from_build_info(words, f"binary package {path} (+BUILD_INFO)", state.era())
    return builtin(state.era())
