"""Services: which qmail rc.d services run, and whether qmail replaces postfix.

Switches edit ``session.profile.services``; what runs now comes from the probe.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult, CSSPathType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Header, Label, Static, Switch

from ..backend.profile import Problem
from ..backend.profile.model import SERVICES
from ..widgets.field import FIELD_CSS, Sourced, problem_text, source_line, widget_id
from ..widgets.footer import KeyFooter
from ..widgets.help import HelpScreen
from .step import WizardStep

#: switch id -> (one line on the screen, F1 help).
ABOUT = {
    "qmailsend": (
        "delivers the queue: local mailboxes and remote SMTP",
        "qmail-send with qmail-lspawn, qmail-rspawn and qmail-clean: without it "
        "nothing is ever delivered. Keep it on.",
    ),
    "qmailsmtpd": (
        "receives mail from the network (port 25)",
        "qmail-smtpd under tcpserver: accepts mail for the domains in rcpthosts, and "
        "from any address for clients with RELAYCLIENT (tcp.smtp).",
    ),
    "qmailqread": (
        "lets users who are not root list the queue",
        "qmail-qread over a loopback tcpserver, so that local users can see the queue "
        "without being root.",
    ),
    "qmailpop3d": (
        "POP3 for mail readers (port 110, Maildir only)",
        "qmail-popup, checkpassword and qmail-pop3d under tcpserver: users fetch their "
        "mail over POP3. qmail-pop3d serves ./Maildir/ only.",
    ),
    "qmailofmipd": (
        "mail submission for mail readers (port 587)",
        "ofmipd under tcpserver: mail readers submit mail on port 587 and ofmipd fixes "
        "up their headers.",
    ),
    "replace_mta": (
        "stop and disable postfix, point mailer.conf at qmail",
        "Stops postfix, sets postfix=NO in rc.conf and switches /etc/mailer.conf to "
        "qmail's sendmail, so that programs that send mail use qmail.",
    ),
}
#: switch id -> the class of the note beneath it.
NOTES = {"qmailsmtpd": "error", "qmailpop3d": "warning"}
POP3_MBOX = (
    "qmail-pop3d serves Maildir only: with ./Mailbox delivery POP3 users see "
    "no mail (choose Maildir on the Mail screen)."
)


class ServicesScreen(WizardStep):
    CSS_PATH: ClassVar[CSSPathType] = ["services.tcss", FIELD_CSS]
    AUTO_FOCUS = "Switch"
    NAME = "services"
    #: A switch here is refused for one thing: qmailsmtpd on with rcpthosts empty.
    KEYS = ("mail.rcpthosts",)

    def compose(self) -> ComposeResult:
        services = self.session.edited.services
        yield Header()
        yield Static("Services: what runs after the install", classes="screen-title")
        with VerticalScroll(id="services-list", can_focus=False):
            for name in (*SERVICES, "replace_mta"):
                label, now = (
                    ("replace postfix", "postfix now") if name == "replace_mta" else (name, "now")
                )
                with Sourced(classes="service-row"):
                    yield Switch(getattr(services, name), id=name)
                    with Vertical(classes="service-text"):
                        yield Label(f"[b]{label}[/b]  [dim]{now}: {self._now(name)}[/dim]")
                        yield Label(ABOUT[name][0])
                        if name in NOTES:
                            yield Static("", markup=False, id=f"{name}-note", classes=NOTES[name])
                        source = self.session.source(f"services.{name}")
                        if source:
                            yield Static(source_line(source), markup=False, classes="source-line")
        yield Static("", id="services-status", classes="hint")
        yield KeyFooter()

    def _now(self, name: str) -> str:
        """What the probe saw: running, stopped or not installed."""
        state = self.session.probed
        script = "postfix" if name == "replace_mta" else name
        if state.running(script):
            return "running"
        return "stopped" if script in state.rcd_scripts else "not installed"

    def on_mount(self) -> None:
        self.show_problems()

    def on_screen_resume(self) -> None:
        for switch in self.query(Switch):
            switch.value = getattr(self.session.edited.services, widget_id(switch))
        self.show_problems()

    def on_switch_changed(self, event: Switch.Changed) -> None:
        setattr(self.session.edited.services, widget_id(event.switch), event.value)
        self.show_problems()

    def show_problems(self) -> list[Problem]:
        """The refusal (red) and the warning beneath their switches; the refusals."""
        problems = self.problems()
        profile = self.session.edited
        mbox_pop3 = profile.services.qmailpop3d and profile.mail.defaultdelivery == "./Mailbox"
        refusal = "\n".join(f"rcpthosts {problem_text(p)}" for p in problems)
        for name, text in (("qmailsmtpd", refusal), ("qmailpop3d", POP3_MBOX if mbox_pop3 else "")):
            note = self.query_one(f"#{name}-note", Static)
            note.update(text)
            note.display = bool(text)
        status = self.query_one("#services-status", Static)
        status.update(
            "Fix the problem in red before going on."
            if problems
            else "Space toggles a service. Enter: review the plan. F1: help."
        )
        status.set_class(bool(problems), "error")
        return problems

    def refuse(self, problems: list[Problem]) -> None:
        self.query_one("#qmailsmtpd", Switch).focus()
        self.notify(problems[0].message, title="Not yet", severity="error", markup=False)

    def cost(self, name: str) -> str:
        """What POP3 or submission brings in this host's era (the plan's packages)."""
        patch = self.session.smtpd_does_auth()
        if name == "qmailpop3d":
            return (
                " In this era checkpassword is a separate package: the plan installs it."
                if patch
                else " In this era qmail depends on checkpassword: nothing extra to install; "
                "with a certificate rc.conf gets qmailpop3d_tls=YES."
            )
        if name == "qmailofmipd":
            return (
                " In this era ofmipd comes from the mess822 package (qmail-run-ofmipd), which "
                "the plan installs, with its tcp.ofmip rules compiled to tcp.ofmip.cdb."
                if patch
                else " In this era it is submission on 587 with authup and nbcheckpassword "
                "(qmail-acceptutils, which qmail-run installs); SMTP AUTH turns it on."
            )
        return ""

    def action_help(self) -> None:
        focused = self.focused
        if isinstance(focused, Switch):
            name = widget_id(focused)
            self.app.push_screen(HelpScreen(name, ABOUT[name][1] + self.cost(name)))
