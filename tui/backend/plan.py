"""Turn a profile and a probed host state into a plan (DESIGN §7).

Every step of :data:`~tui.backend.steps.STEP_IDS` is always present; a step with
no actions means that part of the host already matches the profile.  Nothing here
touches the host: the planner only reads the :class:`HostState`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re

from . import catalog as catalog_mod
from . import written
from .facts import ALIAS_DIR, CONTROL, PKGSRC, QMAIL_EXAMPLE_MAILER, QMAILDIR, SERVICES
from .files import alias, control, mailerconf, mkconf, rcconf, tcprules
from .hoststate import HostState
from .profile.model import ACCOUNT_DEFAULTS, ACCOUNT_VARS, GROUP_KEYS, Profile
from .steps import STEP_IDS, Drift, Plan, RunCommand, Step, WriteFile

SERVICES_RECORD = "/var/db/qmail-wizard/services.json"
#: {"before": {base: pkgname}} while a packages step runs, {} once it finished: the
#: packages registered since it began and not then are suspect after a kill (pkg_add
#: records a package before it extracts it and runs its POST-INSTALL)
PACKAGES_RECORD = "/var/db/qmail-wizard/packages.json"
RCD_NO_RCVAR = ("qmail",)
#: the concurrency limits qmail-run's INSTALL creates when missing (facts §5.2); an
#: install interrupted in its POST-INSTALL lacks them, so the plan writes them too
CONCURRENCY = ("concurrencyincoming", "concurrencypop3")
#: the shell of qmail-run's own users (facts §3.2; their homes are in QMAILDIR)
NOLOGIN = "/sbin/nologin"
TITLES = {
    "preflight": "Check the host",
    "mkconf": "Build settings in /etc/mk.conf",
    "packages": "Install qmail and qmail-run",
    "users": "qmail users and groups",
    "control": "qmail control files",
    "aliases": "System aliases (root, postmaster, mailer-daemon)",
    "maildirs": "Maildirs for existing users and /etc/skel",
    "tcprules": "SMTP access rules (tcp.smtp, compiled to cdb)",
    "mta-switch": "Replace postfix as the system MTA",
    "rcconf": "Services enabled in /etc/rc.conf",
    "services": "Start services (in order)",
    "verify": "Verify qmail (services, SMTP, relay, aliases, a test delivery)",
}
#: control files each service reads when it starts (restart when they change) and
#: those qmail-send re-reads on SIGHUP (reload is enough).
RESTART_INPUTS = {
    "qmailsend": ("me", "defaultdomain", "plusdomain", "defaultdelivery"),
    "qmailsmtpd": ("concurrencyincoming",),
    "qmailpop3d": ("concurrencypop3",),
}
HUP_INPUTS = {"qmailsend": ("locals", "virtualdomains")}
#: what each service runs with from qmail's build: qmail-send and its helpers are
#: long-running binaries that a rebuild replaces (options and every name compiled in);
#: the tcpserver listeners exec their program per connection, so only the accounts on
#: their rc.d command line (tcpserver -u/-g, setuidgid of the logger) matter.
BUILD_INPUTS = {
    "qmailsend": ("options",) + tuple(ACCOUNT_VARS),
    "qmailsmtpd": ("daemon", "nofiles_group", "log"),
    "qmailofmipd": ("daemon", "nofiles_group", "log"),
    "qmailqread": ("send", "qmail_group", "log"),
    "qmailpop3d": ("log",),
}
#: rc.d start returns before the daemon runs (qmail-run starts it with "&"), so a
#: start is followed by polling its status for up to 10 s; when the daemon never
#: comes up, the last status line ("... is not running.") fails the step.
WAIT_RUNNING = (
    'i=0; until "$0" status >/dev/null 2>&1; do i=$((i+1)); '
    '[ $i -lt 50 ] || exec "$0" status; sleep 0.2; done; exec "$0" status'
)


class PlanError(Exception):
    """The host or profile cannot be planned for; the message says what to do."""


def build_words(profile: Profile) -> list[str]:
    return list(profile.build.options)


def install_method(profile: Profile, catalog) -> str:
    """binary/pkgin/source; auto picks source only when the profile needs it."""
    needs_source = (
        catalog.needs_source_build(build_words(profile)) or not profile.build.accounts.is_default()
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
    words = build_words(profile)
    if catalog.needs_source_build(words):
        effective = " ".join(sorted(catalog.effective(words)))
        reasons.append(f"options {' '.join(words)} -> {effective}")
    renamed = [
        f"{key}={getattr(profile.build.accounts, key)}"
        for key, default in ACCOUNT_DEFAULTS.items()
        if getattr(profile.build.accounts, key) != default
    ]
    if renamed:
        reasons.append("accounts " + ", ".join(renamed))
    return "; ".join(reasons)


def make_plan(
    profile: Profile,
    state: HostState,
    catalog=None,
    keep: frozenset[str] | set[str] = frozenset(),
    overwrite: frozenset[str] | set[str] = frozenset(),
) -> Plan:
    """The plan; on a host without qmail, later steps show what they will write
    (they are planned again from the real state once the packages are in).

    Files changed by hand since the wizard wrote them are listed in ``plan.drift``:
    a path in ``keep`` is then not written (the admin's version stays), one in
    ``overwrite`` is written (apply backs it up first); any other is undecided and
    apply refuses to run.
    """
    catalog = catalog or catalog_mod.for_host(state)
    _preflight(state)
    if profile.services.qmailsmtpd and not profile.mail.rcpthosts:
        raise PlanError(
            "refusing to enable qmailsmtpd with an empty rcpthosts: qmail-smtpd "
            "would relay mail for anyone (an open relay). List your domains in "
            "mail.rcpthosts, or turn services.qmailsmtpd off."
        )
    try:
        return _plan_steps(profile, state, catalog, set(keep), set(overwrite))
    except ValueError as exc:  # a host file the editors cannot read safely (rc.conf ...)
        raise PlanError(f"{exc}; fix that file by hand, then plan again.") from None


def _plan_steps(
    profile: Profile, state: HostState, catalog, keep: set[str], overwrite: set[str]
) -> Plan:
    method = install_method(profile, catalog)
    steps = {step_id: Step(step_id, TITLES[step_id]) for step_id in STEP_IDS}
    drift: dict[str, Drift] = {}
    _baseline(steps["preflight"], state)
    _mkconf(steps["mkconf"], profile, state, catalog, method)
    rebuild = _packages(steps["packages"], profile, state, catalog, method)
    _users(steps["users"], profile, state, rebuild)
    _control(steps["control"], profile, state)
    _aliases(steps["aliases"], profile, state)
    _maildirs(steps["maildirs"], profile, state, steps["control"])
    _tcprules(steps["tcprules"], profile, state)
    _mta_switch(steps["mta-switch"], profile, state)
    _rcconf(steps["rcconf"], profile, state)
    for step_id in STEP_IDS[: STEP_IDS.index("services")]:
        _resolve_drift(steps[step_id], state, keep, overwrite, drift)
    planned = _planned(state, steps.values())
    if rebuild:  # the services will run the build the profile asks for
        planned = _rebuilt(planned, profile, catalog)
    _services(steps["services"], profile, planned)
    steps["verify"].notes.append(
        "qmail-wizard verify: qmail-send and the enabled listeners run where rc.conf says, "
        "SMTP greets as control/me, rcpthosts is set and relaying is refused, the system "
        "aliases deliver, a test message to postmaster arrives, postfix is off, mailer.conf "
        "points at qmail and nothing else holds the SMTP port. A failing check fails apply."
    )
    damage = written.load(state.text(written.WRITTEN)).damage
    return Plan(
        [steps[step_id] for step_id in STEP_IDS],
        list(drift.values()),
        written.damage_message(damage) if damage else "",
    )


def _planned(state: HostState, steps) -> HostState:
    """``state`` as it will be once the files these steps write are written."""
    files = dict(state.files)
    for step in steps:
        files.update((a.path, a.new) for a in step.actions if isinstance(a, WriteFile))
    return dataclasses.replace(state, files=files)


def _resolve_drift(
    step: Step, state: HostState, keep: set[str], overwrite: set[str], drift: dict[str, Drift]
) -> None:
    """Note each file this step writes that was changed by hand since the wizard
    wrote it; drop the writes of the files the admin keeps."""
    record = written.load(state.text(written.WRITTEN))
    kept = {}
    for action in step.actions:
        if not isinstance(action, WriteFile) or action.bookkeeping:
            continue
        entry = record.files.get(action.path)
        if record.damage:  # what the wizard wrote is unknown: any edit may be the admin's
            if action.old is None:
                continue
        elif entry is None or not written.changed_by_hand(entry, action.old):
            continue
        resolution = (
            "keep" if action.path in keep else "overwrite" if action.path in overwrite else ""
        )
        drift.setdefault(
            action.path,
            Drift(action.path, None if record.damage else entry["text"], action.old, resolution),
        )
        if resolution == "keep":
            kept[action] = action.path
    if not kept:
        return
    actions = []
    for action in step.actions:
        if action in kept:
            continue
        if isinstance(action, RunCommand) and action.input is not None:
            source = next((w for w in kept if w.new == action.input), None)
            if source is not None:  # compile the admin's rules, not the profile's
                if all(state.cdbs.get(path, False) for path in action.touches):
                    continue
                action = dataclasses.replace(action, input=source.old or "")
        actions.append(action)
    step.actions[:] = actions
    step.notes.extend(
        f"{path} keeps your version (changed by hand since qmail-wizard "
        "wrote it); the profile's version is not written."
        for path in sorted(set(kept.values()))
    )


def _preflight(state: HostState) -> None:
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


def _mkconf(step: Step, profile: Profile, state: HostState, catalog, method: str) -> None:
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
    words = build_words(profile)
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
    if built != set(catalog.effective(build_words(profile))):
        return False
    return all(
        info.get(var, ACCOUNT_DEFAULTS[key]) == getattr(profile.build.accounts, key)
        for key, var in ACCOUNT_VARS.items()
    )


def unfinished_packages(state: HostState) -> list[str]:
    """Packages registered since a packages step began that never finished (a kill
    inside pkg_add, pkgin or make), dependents first: any of them may lack files or
    the rest of its +INSTALL (qmail's queue, qmail-run's control defaults)."""
    before = _packages_before(state)
    if before is None:
        return []
    suspect = [base for base, pkgname in state.packages.items() if before.get(base) != pkgname]
    return sorted(suspect, key=lambda base: (base != "qmail-run", base != "qmail", base))


def _packages_before(state: HostState) -> dict | None:
    """What PACKAGES_RECORD says was installed when an unfinished packages step
    began; None when no packages step is unfinished (or the record is unreadable)."""
    try:
        before = json.loads(state.text(PACKAGES_RECORD) or "{}").get("before")
    except (ValueError, AttributeError):
        return None
    return before if isinstance(before, dict) else None


def _packages(step: Step, profile: Profile, state: HostState, catalog, method: str) -> bool:
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
        _record_packages_step(step, state)
    return rebuild


def _record_packages_step(step: Step, state: HostState) -> None:
    """Frame the package commands with PACKAGES_RECORD: what was installed before
    them (kept from the first, interrupted attempt), then {} once they finished."""
    old = state.text(PACKAGES_RECORD)
    if _packages_before(state) is None:
        new = _record_text({"before": state.packages})
        step.actions.insert(0, WriteFile(PACKAGES_RECORD, old, new, 0o600, bookkeeping=True))
        old = new
    step.actions.append(WriteFile(PACKAGES_RECORD, old, "{}\n", 0o600, bookkeeping=True))


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


def _users(step: Step, profile: Profile, state: HostState, rebuild: bool) -> None:
    if "qmail" not in state.packages:
        return  # the package creates them; planned again after it is installed
    _left_behind(step, profile, state)
    if rebuild:
        step.notes.append(
            "The packages step's build creates the accounts it is built with "
            "(pkgsrc's PKG_USERS); missing ones are added here afterwards."
        )
        return
    accounts = profile.build.accounts
    groups = state.groups()
    users = state.users()
    for key in GROUP_KEYS:
        name = getattr(accounts, key)
        if name not in groups:
            step.actions.append(RunCommand(("groupadd", name)))
    for key, var in ACCOUNT_VARS.items():
        if key in GROUP_KEYS or key == "root":
            continue
        name = getattr(accounts, key)
        if name in users:
            continue
        group = (
            accounts.nofiles_group
            if key in ("alias", "daemon", "log", "passwd")
            else accounts.qmail_group
        )
        home = f"{QMAILDIR}/alias" if key == "alias" else QMAILDIR
        step.actions.append(
            RunCommand(
                ("useradd", "-g", group, "-d", home, "-s", NOLOGIN, "-c", f"qmail {key}", name)
            )
        )


def _left_behind(step: Step, profile: Profile, state: HostState) -> None:
    """Note qmail accounts that exist but the profiled build does not use (an old
    build's names, the classic names, users at home in /var/qmail): pkgsrc never
    removes users or groups, so a rename leaves the old ones behind."""
    accounts = profile.build.accounts
    wanted = {getattr(accounts, key) for key in ACCOUNT_VARS}
    info = state.build_info.get("qmail", {})
    users, groups = state.users(), state.groups()
    for key, var in ACCOUNT_VARS.items():
        if key == "root":
            continue
        table = groups if key in GROUP_KEYS else users
        names = {info.get(var, ACCOUNT_DEFAULTS[key]), ACCOUNT_DEFAULTS[key]}
        if key not in GROUP_KEYS:
            names |= {
                user
                for user, (_, _, home) in users.items()
                if home in (QMAILDIR, f"{QMAILDIR}/alias")
            }
        for name in sorted(names & set(table) - wanted):
            kind, tool = ("group", "groupdel") if key in GROUP_KEYS else ("user", "userdel")
            step.notes.append(
                f"The {kind} {name} is left behind: qmail as profiled uses "
                f"{getattr(accounts, key)} ({var}), and pkgsrc never removes accounts. "
                f"Once nothing runs as it or owns files of it (find / -{kind} {name}), "
                f"remove it with: {tool} {name}"
            )
            wanted.add(name)  # once per name


def _write_if_changed(step: Step, state: HostState, path: str, new: str, mode: int = 0o644) -> bool:
    old = state.text(path)
    if old == new:
        return False
    step.actions.append(WriteFile(path, old, new, mode))
    return True


def control_texts(profile: Profile, state: HostState) -> dict[str, str]:
    """The control files the profile wants, by name."""
    mail = profile.mail

    def old(name: str) -> str:
        return state.text(f"{CONTROL}/{name}") or ""

    texts = {
        "me": control.render_value(mail.me, old("me")),
        "defaultdomain": control.render_value(mail.defaultdomain, old("defaultdomain")),
        "plusdomain": control.render_value(mail.plusdomain, old("plusdomain")),
        "locals": control.render_list(mail.locals, old("locals")),
        "rcpthosts": control.render_list(mail.rcpthosts, old("rcpthosts")),
        "defaultdelivery": control.render_value(mail.defaultdelivery, old("defaultdelivery")),
    }
    if mail.virtualdomains or old("virtualdomains"):
        texts["virtualdomains"] = control.render_virtualdomains(
            mail.virtualdomains, old("virtualdomains")
        )
    for name in CONCURRENCY + required_limits(profile, state):
        if not old(name):
            texts[name] = "20\n"
    return texts


def required_limits(profile: Profile, state: HostState) -> tuple[str, ...]:
    """The concurrency files the rc.d scripts of the enabled services require
    (their ``required_files``), e.g. control/concurrencyofmip for qmailofmipd."""
    found: list[str] = []
    for service in SERVICES:
        if getattr(profile.services, service):
            script = state.text(f"/usr/pkg/share/examples/rc.d/{service}") or ""
            found += re.findall(r"required_files=.*?control/(concurrency\w+)", script)
    return tuple(dict.fromkeys(found))


def _control(step: Step, profile: Profile, state: HostState) -> None:
    for name, text in control_texts(profile, state).items():
        _write_if_changed(step, state, f"{CONTROL}/{name}", text)


def _aliases(step: Step, profile: Profile, state: HostState) -> None:
    for name, target in sorted(profile.mail.aliases.items()):
        path = f"{ALIAS_DIR}/{alias.filename(name)}"
        current = state.text(path)
        if current == alias.render_forward(target):
            continue
        if path in state.refused:  # apply refuses it too (safefile): say so now
            step.risks.append(
                f"{state.refused[path]}; apply refuses to write it: "
                f"remove it (rm {path}) and apply again"
            )
        step.actions.append(WriteFile(path, current, alias.render_forward(target)))
        if current is not None and alias.is_placeholder(current):
            step.notes.append(f"{alias.filename(name)} was a placeholder that discarded mail.")


def _maildirs(step: Step, profile: Profile, state: HostState, control_step: Step) -> None:
    """Missing Maildirs are made as their user (setuidgid USER maildirmake); as root,
    only the Maildir and its new/cur/tmp, when real directories someone else owns,
    are given back to the user one by one (see CHOWN_DIR).  Links, files and entries
    of others inside are reported, never changed: nothing recursive runs as root."""
    if profile.mail.defaultdelivery != "./Maildir/":
        return
    gids = {gid: name for name, gid in state.groups().items()}
    for user, (uid, gid, home) in sorted(state.users().items()):
        if 1000 <= uid < 32767 and home.startswith("/home/"):
            _user_maildir(step, state, user, f"{user}:{gids.get(gid, str(gid))}", home)
    if (
        any(a.argv[:1] == ("setuidgid",) for a in step.actions)
        and "setuidgid" not in state.tools
        and "qmail-run" in state.packages
    ):
        step.risks.append(
            "setuidgid (daemontools, a dependency of qmail-run) is not "
            "installed: install daemontools (pkg_add daemontools) first"
        )
    skel = state.maildirs.get("/etc/skel", {}).get("Maildir", "missing")
    if skel == "missing" and _wizard_sets_maildir(state, control_step):
        step.actions.append(RunCommand(("maildirmake", "/etc/skel/Maildir")))
    elif skel not in ("missing", "dir"):
        step.notes.append(
            f"/etc/skel/Maildir is {_KIND_WORDS[skel]}: not followed or "
            "changed; new users get no working Maildir from it until it is "
            "a directory made by maildirmake /etc/skel/Maildir"
        )


#: "chown OWNER ." in DIR, only when DIR is a real directory at that path: `cd -P`
#: follows links, and the physical path it ends in must be DIR itself (a link swapped
#: in after the probe leads elsewhere and is refused).  $1 DIR, $2 the home it is
#: in, $3 OWNER.
CHOWN_DIR = (
    'h=`cd -P -- "$2" && pwd -P` && rest=${1#"$2"} && cd -P -- "$1" && '
    '[ "`pwd -P`" = "$h$rest" ] && exec chown "$3" . ; '
    'echo "$1 is not a directory of its own at that path: not changed" >&2; exit 1'
)
_KIND_WORDS = {
    "link": "a symbolic link",
    "other": "not a directory",
    "foreign": "a directory someone else owns",
    "missing": "missing",
    "dir": "a directory",
}


def _user_maildir(step: Step, state: HostState, user: str, owner: str, home: str) -> None:
    maildir = f"{home}/Maildir"
    kinds = state.maildirs.get(user, {})
    top = kinds.get("Maildir", "missing")
    if top == "missing":
        step.actions.append(
            RunCommand(
                ("setuidgid", user, "maildirmake", maildir),
                failure=f"{user} could not make {maildir}",
            )
        )
        return
    if top in ("link", "other"):
        what = "a symbolic link" if top == "link" else "not a directory"
        step.notes.append(
            f"{maildir} is {what}: qmail-wizard does not follow or change it (qmail "
            f"delivers there as {user}). For a plain Maildir, as {user}: mv {maildir} "
            f"{maildir}.old && maildirmake {maildir}"
        )
        return
    if top == "foreign":
        step.actions.append(_chown_dir(maildir, home, owner))
    for sub in ("new", "cur", "tmp"):
        path, kind = f"{maildir}/{sub}", kinds.get(sub, "missing")
        if kind == "foreign":
            step.actions.append(_chown_dir(path, home, owner))
        elif kind == "missing":
            step.actions.append(
                RunCommand(
                    ("setuidgid", user, "mkdir", "-m", "700", path),
                    failure=f"{user} could not make {path}",
                )
            )
        elif kind in ("link", "other"):
            step.notes.append(
                f"{path} is {_KIND_WORDS[kind]}: not followed or changed, and qmail cannot "
                f"deliver to {user} until it is a directory of {user}'s. As {user}: "
                f"mv {path} {path}.old && mkdir -m 700 {path}"
            )
    odd = state.maildir_odd.get(user)
    if odd:
        step.notes.append(
            f"{maildir} holds entries that are symbolic links or belong to someone else "
            f"({', '.join(odd)}): qmail-wizard never changes anything inside a Maildir; "
            f"check them and remove them by hand (as {user}, rm PATH)"
        )


def _chown_dir(path: str, home: str, owner: str) -> RunCommand:
    return RunCommand(
        ("sh", "-c", CHOWN_DIR, "chown-dir", path, home, owner),
        failure=f"{path} was not changed: it is no longer a real directory "
        "there (replaced after the probe?)",
    )


def _wizard_sets_maildir(state: HostState, control_step: Step) -> bool:
    """True when qmail is installed by this plan, this plan turns the delivery to
    Maildir, or an earlier run of the wizard did: only then is /etc/skel its business
    (a qmail installed by hand keeps /etc/skel as the admin left it)."""
    path = f"{CONTROL}/defaultdelivery"
    ours = written.parse(state.text(written.WRITTEN)).get(path, {}).get("text", "")
    return (
        "qmail" not in state.packages
        or any(isinstance(a, WriteFile) and a.path == path for a in control_step.actions)
        or control.lines(ours)[:1] == ["./Maildir/"]
    )


def _tcprules(step: Step, profile: Profile, state: HostState) -> None:
    source, cdb = state.rules_paths()
    old = state.text(source)
    new = tcprules.render(profile.mail.relay_from, old or "")
    changed = _write_if_changed(step, state, source, new)
    if changed or not state.cdbs.get(cdb, False):
        step.actions.append(RunCommand(("tcprules", cdb, f"{cdb}.tmp"), input=new, touches=(cdb,)))


def _mta_switch(step: Step, profile: Profile, state: HostState) -> None:
    if not profile.services.replace_mta:
        return
    if state.running("postfix"):
        step.actions.append(RunCommand(("/etc/rc.d/postfix", "stop")))
        step.risks.append("stops postfix")
    rc_conf = state.text("/etc/rc.conf") or ""
    if rcconf.get(rc_conf, "postfix") != "NO":
        step.actions.append(
            WriteFile("/etc/rc.conf", rc_conf, rcconf.set_vars(rc_conf, {"postfix": "NO"}))
        )
        step.risks.append("disables postfix at boot")
    example = state.text(QMAIL_EXAMPLE_MAILER)
    mapping = mailerconf.parse(example) if example else mailerconf.QMAIL_MAP()
    current = state.text("/etc/mailer.conf") or ""
    switched = mailerconf.switch(current, mapping)  # other names (local entries) stay
    if switched != current:
        step.actions.append(WriteFile("/etc/mailer.conf", current, switched))
        step.risks.append("switches /etc/mailer.conf to qmail")


def _rcconf(step: Step, profile: Profile, state: HostState) -> None:
    rc_conf = state.text("/etc/rc.conf") or ""
    wanted = {name: "YES" if getattr(profile.services, name) else "NO" for name in SERVICES}
    # an unset knob already means disabled: NO is written only over another value
    changes = {
        name: value
        for name, value in wanted.items()
        if rcconf.get(rc_conf, name) not in (value, None if value == "NO" else value)
    }
    if changes:
        step.actions.append(WriteFile("/etc/rc.conf", rc_conf, rcconf.set_vars(rc_conf, changes)))


def _digest(text: str | None) -> str:
    return hashlib.sha256((text or "").encode("utf-8", "surrogateescape")).hexdigest()[:16]


def service_inputs(state: HostState) -> dict[str, dict[str, str]]:
    """Hashes of what each service read when it started (restart/HUP when they change)."""
    rc_conf = state.text("/etc/rc.conf") or ""
    info = state.build_info.get("qmail", {})
    built = {key: info.get(var, ACCOUNT_DEFAULTS[key]) for key, var in ACCOUNT_VARS.items()}
    built["options"] = " ".join(sorted(info.get("PKG_OPTIONS", "").split()))
    inputs = {}
    for service in SERVICES:
        names = RESTART_INPUTS.get(service, ()) + HUP_INPUTS.get(service, ())
        record = {name: _digest(state.text(f"{CONTROL}/{name}")) for name in names}
        record["rc.conf"] = _digest(
            "\n".join(f"{line}" for line in rc_conf.splitlines() if line.startswith(service + "_"))
        )
        record["build"] = _digest(
            " ".join(f"{k}={built[k]}" for k in BUILD_INPUTS.get(service, ()))
        )
        inputs[service] = record
    return inputs


def _rebuilt(state: HostState, profile: Profile, catalog) -> HostState:
    """``state`` with qmail's build info as the packages step will leave it."""
    info = dict(state.build_info.get("qmail", {}))
    info["PKG_OPTIONS"] = " ".join(sorted(catalog.effective(build_words(profile))))
    info.update((var, getattr(profile.build.accounts, key)) for key, var in ACCOUNT_VARS.items())
    return dataclasses.replace(state, build_info={**state.build_info, "qmail": info})


def _baseline(step: Step, state: HostState) -> None:
    """A running qmail the wizard has no record of (installed by hand): record what
    its services run with now, before anything changes, so that a later change of
    their inputs restarts or reloads them."""
    if state.text(SERVICES_RECORD) is not None:
        return
    current = service_inputs(state)
    running = {s: current[s] for s in SERVICES if state.running(s)}
    if running:
        step.actions.append(
            WriteFile(SERVICES_RECORD, None, _record_text(running), 0o600, bookkeeping=True)
        )


def _record_text(record: dict) -> str:
    return json.dumps(record, indent=1, sort_keys=True) + "\n"


def _not_started(service: str) -> str:
    return (
        f"{service} did not start; its messages are in /var/log/maillog "
        f"(and /etc/rc.d/{service} status says why)"
    )


def _wait_running(service: str) -> RunCommand:
    """Poll ``status`` for up to 10 s: a daemon can die right after rc.d started it."""
    return RunCommand(
        ("sh", "-c", WAIT_RUNNING, f"/etc/rc.d/{service}"),
        failure=f"{service} was started but is not running 10 s later; why is in /var/log/maillog",
    )


def _services(step: Step, profile: Profile, state: HostState) -> None:
    """``state`` is the host as planned (control files already written)."""
    try:
        recorded = json.loads(state.text(SERVICES_RECORD) or "{}")
    except ValueError:
        recorded = {}
    current = service_inputs(state)
    for service in SERVICES:
        script = f"/etc/rc.d/{service}"
        enabled = getattr(profile.services, service)
        running = state.running(service)
        before = recorded.get(service)
        # an input the record lacks (written by an older wizard) is not a change
        changed = {
            k for k, v in current[service].items() if before is not None and before.get(k, v) != v
        }
        if enabled and not running:
            step.actions.append(RunCommand((script, "start"), failure=_not_started(service)))
            step.actions.append(_wait_running(service))
            step.risks.append(f"starts {service}")
        elif not enabled and running:
            step.actions.append(RunCommand((script, "stop")))
            step.risks.append(f"stops {service}")
        elif enabled and changed:
            if changed <= set(HUP_INPUTS.get(service, ())):
                step.actions.append(RunCommand((script, "reload")))
                step.risks.append(f"reloads {service} ({', '.join(sorted(changed))})")
            else:
                step.actions.append(RunCommand((script, "restart"), failure=_not_started(service)))
                step.actions.append(_wait_running(service))
                step.risks.append(f"restarts {service} ({', '.join(sorted(changed))})")
    wanted = {s: current[s] for s in SERVICES if getattr(profile.services, s)}
    if step.actions or recorded != wanted:
        step.actions.append(
            WriteFile(
                SERVICES_RECORD,
                state.text(SERVICES_RECORD),
                _record_text(wanted),
                0o600,
                bookkeeping=True,
            )
        )
