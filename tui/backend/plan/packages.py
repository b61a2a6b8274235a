"""The mkconf and packages steps: how qmail and qmail-run get installed or built."""

from __future__ import annotations

import dataclasses

from ..facts import PKGSRC, SERVICES
from ..files import mkconf
from ..hoststate import HostState
from ..profile.model import ACCOUNT_DEFAULTS, ACCOUNT_VARS, Profile
from ..steps import RunCommand, Step, WriteFile
from .policy import PlanError, build_words, source_reason
from .records import frame_packages_step, unfinished_packages

RCD_NO_RCVAR = ("qmail",)


def plan_mkconf(step: Step, profile: Profile, state: HostState, catalog, method: str) -> None:
    if method != "source":
        return
    old = state.text("/etc/mk.conf")
    words, cancelled = mk_words(profile, catalog, old or "")
    wanted = {"PKG_OPTIONS.qmail": " ".join(words)}
    defaults = []
    for key, var in ACCOUNT_VARS.items():
        value = getattr(profile.build.accounts, key)
        if value != ACCOUNT_DEFAULTS[key]:
            wanted[var] = value
        elif mkconf.get(old or "", var) not in (None, value):  # an old rename: undo it
            defaults.append(var)
    new = mkconf.set_vars(old or "", wanted)
    if defaults:
        new = mkconf.remove_vars(new, defaults)
    if new != (old or ""):
        step.actions.append(WriteFile("/etc/mk.conf", old, new))
        step.risks.append("changes pkgsrc build settings")
    step.notes.append(
        f"Source build because {source_reason(profile, catalog)}; binary "
        "packages carry only the default options and account names."
    )
    if cancelled:
        step.notes.append(
            f"PKG_OPTIONS.qmail adds {' '.join(cancelled)} to undo what "
            "PKG_DEFAULT_OPTIONS in /etc/mk.conf would change for qmail."
        )


def mk_words(profile: Profile, catalog, mk_text: str) -> tuple[list[str], list[str]]:
    """(PKG_OPTIONS.qmail words, the words among them that cancel PKG_DEFAULT_OPTIONS):
    pkgsrc applies PKG_DEFAULT_OPTIONS first, so its effect on qmail is undone here."""
    words = build_words(profile, catalog)
    general = (mkconf.get(mk_text, "PKG_DEFAULT_OPTIONS") or "").split()
    target = catalog.effective(words)
    built = catalog.effective(general + words)
    cancel = sorted(target - built) + [f"-{o}" for o in sorted(built - target)]
    if catalog.effective(general + words + cancel) != target:
        raise PlanError(
            "PKG_DEFAULT_OPTIONS in /etc/mk.conf changes qmail's options in a "
            "way PKG_OPTIONS.qmail cannot undo; set PKG_OPTIONS.qmail by hand."
        )
    return words + cancel, cancel


def _installed_matches(profile: Profile, state: HostState, catalog) -> bool:
    info = state.build_info.get("qmail")
    if not info:
        return False
    built = set(info.get("PKG_OPTIONS", "").split())
    if built != set(catalog.effective(build_words(profile, catalog))):
        return False
    return all(
        info.get(var, ACCOUNT_DEFAULTS[key]) == getattr(profile.build.accounts, key)
        for key, var in ACCOUNT_VARS.items()
    )


def plan_packages(step: Step, profile: Profile, state: HostState, catalog, method: str) -> bool:
    """Plan the package commands; True when they build or install qmail itself."""
    redo = unfinished_packages(state)
    if redo:  # removed first, then planned as if they were not there
        step.actions.append(
            RunCommand(
                ("pkg_delete", "-f", *(state.packages[base] for base in redo)),
                stream=True,
                failure="removing what an interrupted install left half done",
            )
        )
        step.notes.append(
            f"An earlier run was interrupted while it installed packages: "
            f"{', '.join(redo)} may be incomplete, so they are removed and "
            "installed again."
        )
        state = dataclasses.replace(
            state,
            packages={b: p for b, p in state.packages.items() if b not in redo},
            build_info={b: i for b, i in state.build_info.items() if b not in redo},
        )
    rebuild = _package_commands(step, profile, state, catalog, method)
    if any(isinstance(action, RunCommand) for action in step.actions):
        frame_packages_step(step, state)
    return rebuild


def _package_commands(step: Step, profile: Profile, state: HostState, catalog, method: str) -> bool:
    """The install or build commands and rc.d scripts; True when they build or
    install qmail itself."""
    rcd_env = (("PKG_RCD_SCRIPTS", "YES"),)
    qmail_fits = "qmail" in state.packages and _installed_matches(profile, state, catalog)
    if not qmail_fits or "qmail-run" not in state.packages:
        # qmail as profiled is there but qmail-run is not (an install interrupted
        # between the two): only qmail-run is added, with the planned tool
        rebuild = "qmail" in state.packages and not qmail_fits
        if method == "binary" and not rebuild:
            step.actions.append(
                RunCommand(("pkg_add", "-v", "qmail-run"), env=rcd_env, stream=True)
            )
        elif method == "pkgin" and not rebuild:
            step.actions.append(RunCommand(("pkgin", "update"), stream=True))
            step.actions.append(
                RunCommand(
                    ("pkgin", "install", "qmail-run"),
                    env=rcd_env,
                    stream=True,
                    answers=(("proceed ? [Y/n] ", "y"),),
                )
            )
        else:
            for package in ("qmail", "qmail-run"):
                if package == "qmail" and qmail_fits:
                    continue
                verb = "replace" if package in state.packages else "install"
                directory = f"{PKGSRC}/{package}"
                step.actions.append(RunCommand(("make", "clean"), cwd=directory))
                step.actions.append(
                    RunCommand(("make", verb), cwd=directory, env=rcd_env, stream=True)
                )
            step.notes.append("Building from source takes several minutes.")
        step.risks.append(
            "builds qmail from source" if method == "source" or rebuild else "installs packages"
        )
        if rebuild:
            step.risks.append("replaces the installed qmail")
    for script in SERVICES + RCD_NO_RCVAR:  # qmail-run added without PKG_RCD_SCRIPTS
        example = state.text(f"/usr/pkg/share/examples/rc.d/{script}")
        if example is not None and script not in state.rcd_scripts:
            step.actions.append(WriteFile(f"/etc/rc.d/{script}", None, example, 0o755))
    return not qmail_fits


def rebuilt(state: HostState, profile: Profile, catalog) -> HostState:
    """``state`` with qmail's build info as the packages step will leave it."""
    info = dict(state.build_info.get("qmail", {}))
    info["PKG_OPTIONS"] = " ".join(sorted(catalog.effective(build_words(profile, catalog))))
    info.update((var, getattr(profile.build.accounts, key)) for key, var in ACCOUNT_VARS.items())
    return dataclasses.replace(state, build_info={**state.build_info, "qmail": info})
