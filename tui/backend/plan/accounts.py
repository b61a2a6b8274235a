"""The users step: the qmail groups and users the profiled build runs as."""

from __future__ import annotations

from ..facts import QMAILDIR
from ..hoststate import HostState
from ..profile.model import ACCOUNT_DEFAULTS, ACCOUNT_VARS, GROUP_KEYS, Profile
from ..steps import RunCommand, Step

#: the shell of qmail-run's own users (facts §3.2; their homes are in QMAILDIR)
NOLOGIN = "/sbin/nologin"


def plan_users(step: Step, profile: Profile, state: HostState, rebuild: bool) -> None:
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
    for key in ACCOUNT_VARS:
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
