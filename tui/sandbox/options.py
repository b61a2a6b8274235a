"""PKG_OPTIONS resolution exactly as pkgsrc's ``mk/bsd.options.mk`` does it.

Pure functions over a :class:`~tui.sandbox.flavors.OptionSet` and option words
(what ``/etc/mk.conf`` gives for ``PKG_DEFAULT_OPTIONS`` and
``PKG_OPTIONS.<pkg>``); no I/O.  The simulated ``make`` and the wizard's
catalog share them.

bsd.options.mk semantics (generic to specific: suggested options, then the
supported words of PKG_DEFAULT_OPTIONS, then the package variable):

- ``name`` enables, ``-name`` disables; later words win.
- Unsupported words of PKG_DEFAULT_OPTIONS are silently skipped; an unsupported
  ``name`` in ``PKG_OPTIONS.<pkg>`` fails the build (one PKG_FAIL_REASON listing them
  all), an unsupported ``-name`` only warns (bsd.options.mk rev 1.72).
- Members of an optional group (``rcpt``) go on a stack per group: ``-name``
  takes a member off, ``name`` pushes it; only the last member left on the stack
  is enabled, so the most specific setting wins and never is there more than one.
- The result is sorted and de-duplicated (``PKG_OPTIONS:O:u``).

Package-specific effects applied after bsd.options.mk (the qmail options.mk):
implied options (2017Q1 ``tls`` turns ``sasl`` on).
"""

from __future__ import annotations

from collections import namedtuple
from types import MappingProxyType

from .flavors import OptionSet

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


class Resolution(
    namedtuple(
        "Resolution",
        "enabled errors warnings overridden",
        defaults=((), (), MappingProxyType({})),
    )
):
    """The outcome of option processing for one package (a plain record: make starts
    lighter without ``dataclasses``)."""

    __slots__ = ()
    #: PKG_OPTIONS: the enabled options, sorted.
    enabled: tuple[str, ...]
    #: PKG_FAIL_REASON lines (without "ERROR: "); the build must stop if any.
    errors: tuple[str, ...]
    #: PKG_OPTIONS_DEPRECATED_WARNINGS lines (unsupported options disabled).
    warnings: tuple[str, ...]
    #: group -> members that were asked for but lost to a more specific member.
    overridden: Mapping[str, list[str]]

    @property
    def ok(self) -> bool:
        return not self.errors


def supported(opts: OptionSet) -> tuple[str, ...]:
    """PKG_SUPPORTED_OPTIONS including group members (sorted)."""
    names = set(opts.supported)
    for members in opts.optional_groups.values():
        names.update(members)
    return tuple(sorted(names))


def general(opts: OptionSet) -> tuple[str, ...]:
    """Supported options that belong to no group (show-options' first block)."""
    grouped = {m for members in opts.optional_groups.values() for m in members}
    return tuple(sorted(set(opts.supported) - grouped))


def _group_of(opts: OptionSet) -> dict[str, str]:
    return {m: g for g, members in opts.optional_groups.items() for m in members}


def unsupported_errors(words: list[str]) -> list[str]:
    """The PKG_FAIL_REASON line for unsupported options (``:O:u``, shell-unquoted)."""
    if not words:
        return []
    return [
        "[bsd.options.mk] The following selected options are not supported: "
        + " ".join(sorted(set(words)))
        + "."
    ]


def unsupported_warning(name: str) -> str:
    """The PKG_OPTIONS_DEPRECATED_WARNINGS line for ``-name`` of an unsupported option."""
    return f"Option {name} is unsupported, so disabling it has no effect."


def resolve(
    opts: OptionSet, default_words: list[str] | None = None, package_words: list[str] | None = None
) -> Resolution:
    """Enabled options from PKG_DEFAULT_OPTIONS words and PKG_OPTIONS.<pkg> words."""
    known = set(supported(opts))
    groups = _group_of(opts)
    defaults = [w for w in (default_words or []) if w.lstrip("-") in known]
    enabled: list[str] = []
    stacks: dict[str, list[str]] = {g: [] for g in opts.optional_groups}
    asked: dict[str, list[str]] = {g: [] for g in opts.optional_groups}
    unsupported: list[str] = []
    disabled: list[str] = []
    words = [(w, False) for w in opts.suggested]
    words += [(w, True) for w in defaults + list(package_words or [])]
    for word, from_user in words:
        name = word[1:] if word.startswith("-") else word
        if name not in known:
            if word.startswith("-"):
                disabled.append(unsupported_warning(name))
            else:
                unsupported.append(word)
            continue
        if name in groups:
            stack = stacks[groups[name]]
            stack[:] = [m for m in stack if m != name]
            if not word.startswith("-"):
                stack.append(name)
                if from_user:
                    asked[groups[name]].append(name)
        elif word.startswith("-"):
            enabled = [o for o in enabled if o != name]
        else:
            enabled.append(name)
    overridden = {}
    for group, stack in stacks.items():
        if stack:
            enabled.append(stack[-1])
        lost = sorted({m for m in asked[group] if m not in stack[-1:]})
        if lost:
            overridden[group] = tuple(lost)
    errors = unsupported_errors(unsupported)
    return _package_effects(opts, sorted(set(enabled)), errors, overridden, disabled)


def _package_effects(
    opts: OptionSet, enabled: list[str], errors: list[str], overridden: dict, warnings: list[str]
) -> Resolution:
    """What the package's options.mk does after bsd.options.mk: implied options."""
    for name in list(enabled):
        implied = opts.implies.get(name)
        if implied and implied not in enabled:
            enabled.append(implied)
    return Resolution(tuple(sorted(set(enabled))), tuple(errors), tuple(warnings), overridden)


def defaults(opts: OptionSet) -> tuple[str, ...]:
    """What a binary package from the repository was built with (no mk.conf)."""
    return resolve(opts).enabled


def option_line(name: str, description_file: str) -> str:
    """One show-options line: ``echo "<TAB>"name"<TAB>"`sed -n "s/^name<TAB>//p" FILE```.

    The command substitution is unquoted, so the shell splits it into words: the
    description's words come out joined by single spaces, and when the text left
    after ``name<TAB>`` starts with more white space (the file aligns descriptions
    with extra tabs) the description becomes a separate argument, i.e. one space
    follows the second tab.  No matching line leaves ``<TAB>name<TAB>``.
    """
    prefix = f"{name}\t"
    found = "\n".join(
        line[len(prefix) :] for line in description_file.splitlines() if line.startswith(prefix)
    )
    words = found.split()
    gap = " " if words and found[:1].isspace() else ""
    return f"\t{name}\t{gap}{' '.join(words)}"


def wrap_words(words, width: int = 40) -> list[str]:
    """bsd.options.mk's word-wrap filter: tab-indented lines, cut past ``width``."""
    lines, line = [], ""
    for word in words:
        line = f"{line} {word}" if line else word
        if len(line) > width:
            lines.append("\t" + line)
            line = ""
    if line:
        lines.append("\t" + line)
    return lines
