"""The maildirs step: a Maildir for each user at home in /home, and /etc/skel's."""

from __future__ import annotations

from .. import written
from ..facts import CONTROL
from ..files import control
from ..hoststate import HostState, MaildirMade
from ..profile.model import Profile
from ..steps import RunCommand, Step, WriteFile

#: "chown OWNER ." in DIR, only when DIR is a real directory at that path: `cd -P`
#: follows links, and the physical path it ends in must be DIR itself (a link swapped
#: in after the probe leads elsewhere and is refused).  $1 DIR, $2 the home it is
#: in, $3 OWNER.
CHOWN_DIR = (
    'h=`cd -P -- "$2" && pwd -P` && rest=${1#"$2"} && cd -P -- "$1" && '
    '[ "`pwd -P`" = "$h$rest" ] && exec chown "$3" . ; '
    'echo "$1 is not a directory of its own at that path: not changed" >&2; exit 1'
)
#: what maildirmake makes
MAILDIR = ("Maildir", "new", "cur", "tmp")
_KIND_WORDS = {
    "link": "a symbolic link",
    "other": "not a directory",
    "foreign": "a directory someone else owns",
    "missing": "missing",
    "dir": "a directory",
}


def plan_maildirs(step: Step, profile: Profile, state: HostState, control_step: Step) -> None:
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
        step.actions.append(
            RunCommand(
                ("maildirmake", "/etc/skel/Maildir"), effect=MaildirMade("/etc/skel", MAILDIR)
            )
        )
    elif skel not in ("missing", "dir"):
        step.notes.append(
            f"/etc/skel/Maildir is {_KIND_WORDS[skel]}: not followed or "
            "changed; new users get no working Maildir from it until it is "
            "a directory made by maildirmake /etc/skel/Maildir"
        )


def _user_maildir(step: Step, state: HostState, user: str, owner: str, home: str) -> None:
    maildir = f"{home}/Maildir"
    kinds = state.maildirs.get(user, {})
    top = kinds.get("Maildir", "missing")
    if top == "missing":
        step.actions.append(
            RunCommand(
                ("setuidgid", user, "maildirmake", maildir),
                failure=f"{user} could not make {maildir}",
                effect=MaildirMade(user, MAILDIR),
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
        step.actions.append(_chown_dir(maildir, home, owner, MaildirMade(user, ("Maildir",))))
    for sub in ("new", "cur", "tmp"):
        path, kind = f"{maildir}/{sub}", kinds.get(sub, "missing")
        if kind == "foreign":
            step.actions.append(_chown_dir(path, home, owner, MaildirMade(user, (sub,))))
        elif kind == "missing":
            step.actions.append(
                RunCommand(
                    ("setuidgid", user, "mkdir", "-m", "700", path),
                    failure=f"{user} could not make {path}",
                    effect=MaildirMade(user, (sub,)),
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


def _chown_dir(path: str, home: str, owner: str, effect: MaildirMade) -> RunCommand:
    return RunCommand(
        ("sh", "-c", CHOWN_DIR, "chown-dir", path, home, owner),
        failure=f"{path} was not changed: it is no longer a real directory "
        "there (replaced after the probe?)",
        effect=effect,
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
