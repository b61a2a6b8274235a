"""What can be planned at all: the host check, and the install method a profile needs."""

from __future__ import annotations

from ..catalog import builtin
from ..hoststate import HostState
from ..profile.features import needed_options
from ..profile.model import ACCOUNT_DEFAULTS, Profile


class PlanError(Exception):
    """The host or profile cannot be planned for; the message says what to do."""


def check_host(state: HostState) -> None:
    """Refuse a host that is not NetBSD, or a login that is not root."""
    if not state.is_netbsd:
        raise PlanError(
            f"this host is not NetBSD (uname says {state.uname!r}); "
            "qmail-wizard installs qmail from pkgsrc on NetBSD only."
        )
    if state.uid != 0:
        raise PlanError(
            "qmail-wizard must run as root on the host (uid is "
            f"{state.uid}); run it with su or sudo."
        )


def needs_catalog(profile: Profile, state: HostState | None = None) -> bool:
    """True when planning ``profile`` needs the host's own option catalog (``make
    show-options``, the binary packages' options): build options or account names
    that differ from the defaults, a source build, an installed qmail whose build
    options are compared with the profile's, features that need options the era's
    defaults lack.  Otherwise the era's built-in table plans the same binary install.
    ``state`` None: judged from the profile alone (False may turn True once the host
    is read)."""
    if profile.build.options or not profile.build.accounts.is_default():
        return True
    if profile.install.method == "source":
        return True
    if state is None:
        return False
    return "qmail" in state.packages or bool(needed_options(profile, builtin(state.era())))


def build_words(profile: Profile, catalog) -> list[str]:
    """PKG_OPTIONS.qmail words: the profile's, then the options its features need."""
    return list(profile.build.options) + [w for w, _why in needed_options(profile, catalog)]


def install_method(profile: Profile, catalog) -> str:
    """binary/pkgin/source; auto picks source only when the profile needs it."""
    needs_source = (
        catalog.needs_source_build(build_words(profile, catalog))
        or not profile.build.accounts.is_default()
    )
    method = profile.install.method
    if method == "auto":
        return "source" if needs_source else "binary"
    if needs_source and method in ("binary", "pkgin"):
        raise PlanError(
            f"install.method is {method!r}, but binary packages carry only the default "
            f"options and account names, and this profile changes them "
            f"({source_reason(profile, catalog)}). Set install.method to 'source' or 'auto'."
        )
    return method


def source_reason(profile: Profile, catalog) -> str:
    reasons = []
    words = build_words(profile, catalog)
    if catalog.needs_source_build(words):
        effective = " ".join(sorted(catalog.effective(words)))
        reasons.append(f"options {' '.join(words)} -> {effective}")
        reasons.extend(why for _word, why in needed_options(profile, catalog))
    renamed = [
        f"{key}={getattr(profile.build.accounts, key)}"
        for key, default in ACCOUNT_DEFAULTS.items()
        if getattr(profile.build.accounts, key) != default
    ]
    if renamed:
        reasons.append("accounts " + ", ".join(renamed))
    return "; ".join(reasons)
