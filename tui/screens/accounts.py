"""Accounts: the ten user and group names qmail is built with, validated as typed."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Input, Label, Static

from ..backend.model import ACCOUNT_DEFAULTS, ACCOUNT_VARS
from ..backend.profile import NAME_ALLOWED, Problem
from ..backend.session import Session
from ..messages import Advance
from ..widgets.field import FIELD_CSS, Sourced, source_line
from ..widgets.help import HelpScreen
from .options import source_build_cost
from ..widgets.footer import KeyFooter

#: What each account is for (facts §3.1 and §3.2), for F1.
USES = {
    "alias": "Owns ~alias/.qmail-* files: deliveries for root, postmaster, mailer-daemon "
             "and any address without its own user. Home /var/qmail/alias; group nofiles.",
    "daemon": "Runs qmail-smtpd: tcpserver drops to this user (-u/-g) for every incoming "
              "SMTP connection. Group nofiles.",
    "log": "Runs the loggers (setuidgid qmaill multilog/logger) of every qmail service. "
           "Group nofiles.",
    "root": "Owns the qmail binaries and directories. It is not created: it names an "
            "existing user, normally root.",
    "passwd": "Runs qmail-getpw and friends, which look up local users for deliveries. "
              "Group nofiles.",
    "queue": "Owns the queue; qmail-queue runs setuid to it to put messages in. "
             "Group qmail.",
    "remote": "Runs qmail-rspawn and qmail-remote, the outgoing SMTP deliveries. "
              "Group qmail.",
    "send": "Runs qmail-send, the queue manager; qmailqread's tcpserver runs as it too. "
            "Group qmail.",
    "qmail_group": "The group of the queue, send and remote users.",
    "nofiles_group": "The group of the alias, daemon, log and passwd users: it owns no files.",
}

BUILD_TIME = ("Renaming needs a source build: the names are compiled into qmail, and "
              "qmail-run is built with the same names.")


class AccountsScreen(Screen):
    CSS_PATH = ["accounts.tcss", FIELD_CSS]
    BINDINGS = [
        Binding("enter", "next", "Next", priority=True),
        Binding("escape", "back", "Back"),
        Binding("f1", "help", "Help"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__(name="accounts")
        self.session = session

    @property
    def accounts(self):
        return self.session.profile.build.accounts

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Accounts", classes="screen-title")
        yield Static("The users and groups qmail runs as. Keep the defaults unless your "
                     "site needs other names; F1 tells what each is for.", classes="hint")
        with VerticalScroll(id="rows", can_focus=False):
            for key, var in ACCOUNT_VARS.items():
                with Sourced(classes="account"):
                    with Horizontal(classes="account-row", id=f"row-{key}"):
                        yield Label(var, classes="account-var")
                        yield Input(getattr(self.accounts, key), id=f"name-{key}",
                                    classes="account-input")
                        yield Static("", id=f"mark-{key}", classes="account-mark")
                        yield Static(ACCOUNT_DEFAULTS[key], classes="account-default")
                        yield Static("", id=f"error-{key}", classes="account-error error",
                                     markup=False)
                    source = self.session.source(f"build.accounts.{key}")
                    if source:
                        yield Static(source_line(source), markup=False,
                                     classes="account-source source-line")
        yield Static("", id="note", markup=False)
        yield KeyFooter()

    def on_screen_resume(self) -> None:
        for key in ACCOUNT_VARS:
            self.query_one(f"#name-{key}", Input).value = getattr(self.accounts, key)
        self.refresh_view()

    def on_input_changed(self, event: Input.Changed) -> None:
        setattr(self.accounts, event.input.id.removeprefix("name-"), event.value)
        self.refresh_view()

    def problems(self) -> dict[str, Problem]:
        """Account key -> what the backend's validation says is wrong with it."""
        out: dict[str, Problem] = {}
        for p in self.session.problems():
            if p.key.startswith("build.accounts."):
                out.setdefault(p.key.removeprefix("build.accounts."), p)
        return out

    def refresh_view(self) -> None:
        problems = self.problems()
        for key, default in ACCOUNT_DEFAULTS.items():
            renamed = getattr(self.accounts, key) != default
            self.query_one(f"#mark-{key}", Static).update("*" if renamed else "")
            problem = problems.get(key)
            self.query_one(f"#error-{key}", Static).update(
                problem.message + (f"; {problem.suggestion}" if problem.suggestion else "")
                if problem else "")
            self.query_one(f"#row-{key}").set_class(key in problems, "-invalid")
        note = ""
        if not self.accounts.is_default():
            note = "* " + BUILD_TIME + " " + source_build_cost(self.session)
        self.query_one("#note", Static).update(note)
        self.query_one("#note").display = bool(note)

    def focused_key(self) -> str | None:
        focused = self.focused
        if isinstance(focused, Input) and focused.id and focused.id.startswith("name-"):
            return focused.id.removeprefix("name-")
        return None

    def action_help(self) -> None:
        key = self.focused_key()
        if key is None:
            self.app.push_screen(HelpScreen("Accounts", BUILD_TIME))
            return
        text = (f"{USES[key]}\n\nDefault: {ACCOUNT_DEFAULTS[key]}. "
                f"{BUILD_TIME}\nAllowed: {NAME_ALLOWED}.")
        self.app.push_screen(HelpScreen(ACCOUNT_VARS[key], text))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_next(self) -> None:
        problems = self.problems()
        if problems:
            key = next(k for k in ACCOUNT_VARS if k in problems)
            self.query_one(f"#name-{key}", Input).focus()
            problem = problems[key]
            self.notify(f"{ACCOUNT_VARS[key]}: {problem.message} (allowed: {problem.allowed})",
                        severity="error", markup=False)
            return
        self.post_message(Advance("accounts"))


SCREEN = AccountsScreen
