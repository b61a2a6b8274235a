"""Accounts: the ten user and group names qmail is built with, validated as typed."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult, CSSPathType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Header, Input, Label, Static

from ..backend.profile import Problem
from ..backend.profile.model import ACCOUNT_DEFAULTS, ACCOUNT_VARS
from ..backend.profile.rules import NAME_ALLOWED
from ..widgets.field import FIELD_CSS, Field, source_line
from ..widgets.footer import KeyFooter
from ..widgets.help import HelpScreen
from .options import source_build_cost
from .step import WizardStep

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
    "queue": "Owns the queue; qmail-queue runs setuid to it to put messages in. Group qmail.",
    "remote": "Runs qmail-rspawn and qmail-remote, the outgoing SMTP deliveries. Group qmail.",
    "send": "Runs qmail-send, the queue manager; qmailqread's tcpserver runs as it too. "
    "Group qmail.",
    "qmail_group": "The group of the queue, send and remote users.",
    "nofiles_group": "The group of the alias, daemon, log and passwd users: it owns no files.",
}

BUILD_TIME = (
    "Renaming needs a source build: the names are compiled into qmail, and "
    "qmail-run is built with the same names."
)


class AccountField(Field):
    """One account on one row: variable, name, a mark when renamed, the default, the
    problem; where the name was read beneath it."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="account-row"):
            yield Label(self.label, classes="account-var")
            yield Input(self._value, id=f"name-{self.key}", classes="account-input")
            yield Static("", id=f"mark-{self.key}", classes="account-mark")
            yield Static(ACCOUNT_DEFAULTS[self.key], classes="account-default")
            yield Static(
                "", id=f"error-{self.key}", classes="field-error account-error error", markup=False
            )
        if self.source:
            yield Static(
                source_line(self.source), markup=False, classes="account-source source-line"
            )

    def show_problem(self, text: str) -> None:
        """Show ``text`` at the end of the row (the empty line keeps its place)."""
        self.query_one(".field-error", Static).update(text)
        self.input.set_class(bool(text), "-invalid")

    def show_renamed(self, renamed: bool) -> None:
        self.query_one(".account-mark", Static).update("*" if renamed else "")


class AccountsScreen(WizardStep):
    CSS_PATH: ClassVar[CSSPathType] = ["accounts.tcss", FIELD_CSS]
    NAME = "accounts"
    KEYS = ("build.accounts",)

    @property
    def accounts(self):
        return self.session.profile.build.accounts

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Accounts", classes="screen-title")
        yield Static(
            "The users and groups qmail runs as. Keep the defaults unless your "
            "site needs other names; F1 tells what each is for.",
            classes="hint",
        )
        with VerticalScroll(id="rows", can_focus=False):
            for key, var in ACCOUNT_VARS.items():
                yield AccountField(
                    var,
                    getattr(self.accounts, key),
                    key=key,
                    source=self.session.source(f"build.accounts.{key}"),
                )
        yield Static("", id="note", markup=False)
        yield KeyFooter()

    def on_screen_resume(self) -> None:
        for field in self.query(AccountField):
            field.value = getattr(self.accounts, field.key)
        self.show_problems()

    def on_field_changed(self, event: Field.Changed) -> None:
        setattr(self.accounts, event.field.key, event.value)
        self.show_problems()

    def by_key(self, problems: list[Problem]) -> dict[str, Problem]:
        """Account key -> its first problem."""
        out: dict[str, Problem] = {}
        for p in problems:
            out.setdefault(p.key.removeprefix("build.accounts."), p)
        return out

    def show_problems(self) -> list[Problem]:
        problems = self.problems()
        by_key = self.by_key(problems)
        for field in self.query(AccountField):
            field.show_renamed(getattr(self.accounts, field.key) != ACCOUNT_DEFAULTS[field.key])
            problem = by_key.get(field.key)
            field.show_problem(
                problem.message + (f"; {problem.suggestion}" if problem.suggestion else "")
                if problem
                else ""
            )
        note = ""
        if not self.accounts.is_default():
            note = "* " + BUILD_TIME + " " + source_build_cost(self.session)
        self.query_one("#note", Static).update(note)
        self.query_one("#note").display = bool(note)
        return problems

    def action_help(self) -> None:
        focused = self.focused
        field = (
            next((n for n in focused.ancestors_with_self if isinstance(n, AccountField)), None)
            if focused
            else None
        )
        if field is None:
            self.app.push_screen(HelpScreen("Accounts", BUILD_TIME))
            return
        key = field.key
        text = (
            f"{USES[key]}\n\nDefault: {ACCOUNT_DEFAULTS[key]}. "
            f"{BUILD_TIME}\nAllowed: {NAME_ALLOWED}."
        )
        self.app.push_screen(HelpScreen(ACCOUNT_VARS[key], text))

    def refuse(self, problems: list[Problem]) -> None:
        by_key = self.by_key(problems)
        field = next(f for f in self.query(AccountField) if f.key in by_key)
        field.input.focus()
        problem = by_key[field.key]
        self.notify(
            f"{field.label}: {problem.message} (allowed: {problem.allowed})",
            severity="error",
            markup=False,
        )
