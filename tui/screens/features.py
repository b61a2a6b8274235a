"""Mail features: STARTTLS certificate, SMTP AUTH, SRS, smarthost routes, size limit.

Every edit goes straight into ``session.profile`` (``mail.*``, ``tls.certificate``);
a feature that needs a build option turns it on with a note (``Session.follow_features``)
and the backend's validation says what is wrong beside the field it is about.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult, CSSPathType
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Header, Label, RadioButton, RadioSet, Static

from ..backend.profile import Problem
from ..backend.profile.rules import CERT_ALLOWED, SIZE_ALLOWED, parse_size, size_text
from ..widgets.field import FIELD_CSS, Field, problem_text, widget_id
from ..widgets.footer import KeyFooter
from . import features_help
from .mail import split_virtual
from .step import WizardStep

#: the certificate choices, in the RadioSet's order
CERT_CHOICES = ("none", "self-signed", "PEM file")
PEM, SELF_SIGNED = 2, 1


def route_text(routes: dict[str, str]) -> str:
    """smtproutes as the field shows them: ``:smarthost:587, remote.example:host``."""
    return ", ".join(f"{domain}:{route}" for domain, route in routes.items())


def widget_of(key: str, pem: bool) -> str:
    """The id of the widget a problem key belongs to."""
    for prefix, where in (
        ("mail.srs", "srs"),
        ("mail.smtproutes", "smtproutes"),
        ("mail.databytes", "databytes"),
        ("mail.smtp_auth", "smtp_auth"),
    ):
        if key.startswith(prefix):
            return where
    return "certificate-path" if pem else "certificate"


class FeaturesScreen(WizardStep):
    CSS_PATH: ClassVar[CSSPathType] = ["features.tcss", FIELD_CSS]
    AUTO_FOCUS = "RadioSet"
    NAME = "features"
    KEYS = ("mail.smtp_auth", "mail.srs", "mail.smtproutes", "mail.databytes", "tls")

    def __init__(self, session) -> None:
        super().__init__(session)
        #: what the screen itself refuses before the profile can hold it (by widget id)
        self.unreadable: dict[str, Problem] = {}

    def compose(self) -> ComposeResult:
        profile = self.session.edited
        certificate = profile.tls.certificate
        yield Header()
        yield Static("Mail features: TLS, AUTH, SRS, routes, size", classes="screen-title")
        with VerticalScroll(id="features-form", can_focus=False):
            with Horizontal(classes="choice-row"):
                yield Label("TLS certificate", classes="field-label")
                with RadioSet(id="certificate", compact=True):
                    for index, label in enumerate(CERT_CHOICES):
                        yield RadioButton(label, value=index == self._cert_index(certificate))
            yield Static("", markup=False, id="certificate-error", classes="row-error error")
            yield Field(
                "PEM file",
                certificate if self._cert_index(certificate) == PEM else "",
                key="tls.certificate",
                help=features_help.certificate_help(self.session),
                placeholder="/etc/openssl/mail.pem: certificate and key",
                id="certificate-path",
            )
            with Horizontal(classes="choice-row"):
                yield Label("SMTP AUTH", classes="field-label")
                yield Checkbox(
                    "users log in to relay (after STARTTLS)",
                    profile.mail.smtp_auth,
                    compact=True,
                    id="smtp_auth",
                )
            yield Static("", markup=False, id="smtp_auth-error", classes="row-error error")
            yield Field(
                "SRS domain",
                profile.mail.srs.domain,
                key="srs.domain",
                help=features_help.srs_help(self.session),
                placeholder="none; e.g. srs.example.org",
                id="srs",
            )
            yield Field(
                "Smarthost routes",
                route_text(profile.mail.smtproutes),
                key="smtproutes",
                help=features_help.ROUTES_HELP,
                placeholder="none; e.g. :smarthost.example.net:587",
                id="smtproutes",
            )
            yield Field(
                "Size limit",
                size_text(profile.mail.databytes),
                key="databytes",
                help=features_help.SIZE_HELP,
                placeholder="none; e.g. 10M",
                id="databytes",
            )
            yield Static("", markup=False, id="databytes-bytes", classes="row-hint hint")
            yield Static("", markup=False, id="features-note", classes="warning")
        yield Static("", markup=False, id="features-status", classes="hint")
        yield KeyFooter()

    @staticmethod
    def _cert_index(certificate: str) -> int:
        return {"": 0, "self-signed": SELF_SIGNED}.get(certificate, PEM)

    @property
    def pem(self) -> bool:
        return self.query_one("#certificate", RadioSet).pressed_index == PEM

    def on_mount(self) -> None:
        self.changed()

    def on_screen_resume(self) -> None:
        """Back from a later screen: show the profile as it is now."""
        profile = self.session.edited
        index = self._cert_index(profile.tls.certificate)
        for i, button in enumerate(self.query(RadioButton)):
            button.value = i == index
        if index == PEM:
            self.query_one("#certificate-path", Field).value = profile.tls.certificate
        self.query_one("#smtp_auth", Checkbox).value = profile.mail.smtp_auth
        self.query_one("#srs", Field).value = profile.mail.srs.domain
        self.query_one("#smtproutes", Field).value = route_text(profile.mail.smtproutes)
        if "databytes" not in self.unreadable:
            self.query_one("#databytes", Field).value = size_text(profile.mail.databytes)
        self.show_problems()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        path = self.query_one("#certificate-path", Field).value.strip()
        self.session.edited.tls.certificate = ("", "self-signed", path)[event.index]
        self.changed()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.session.edited.mail.smtp_auth = event.value
        self.changed()

    def on_field_changed(self, event: Field.Changed) -> None:
        profile, text = self.session.edited, event.value.strip()
        key = event.field.key
        if key == "tls.certificate":
            if self.pem:
                profile.tls.certificate = text
        elif key == "srs.domain":
            profile.mail.srs.domain = text
        elif key == "smtproutes":
            profile.mail.smtproutes = split_virtual(text)
        else:
            size = parse_size(text)
            if size is None:
                self.unreadable["databytes"] = Problem(
                    "", None, "mail.databytes", "not a size", text, SIZE_ALLOWED
                )
            else:
                self.unreadable.pop("databytes", None)
                profile.mail.databytes = size
        self.changed()

    def changed(self) -> None:
        """After an edit: the build options the features need, then the problems."""
        for line in self.session.follow_features():
            self.notify(f"Build option {line}.", title="Build options", markup=False)
        self.show_problems()

    def local_problems(self) -> list[Problem]:
        """What the screen refuses itself: an unreadable size, a PEM file left empty."""
        problems = list(self.unreadable.values())
        if self.pem and not self.session.edited.tls.certificate:
            problems.append(
                Problem("", None, "tls.certificate", "write the file's path", "", CERT_ALLOWED)
            )
        return problems

    def show_problems(self) -> list[Problem]:
        """Each problem beside its field, the build-option notes; the problems."""
        problems = self.local_problems() + self.problems()
        pem = self.pem
        found: dict[str, list[str]] = {}
        for problem in problems:
            found.setdefault(widget_of(problem.key, pem), []).append(problem_text(problem))
        for field in self.query(Field):
            field.show_problem("\n".join(found.pop(widget_id(field), [])))
        for row in ("certificate", "smtp_auth"):
            error = self.query_one(f"#{row}-error", Static)
            error.update("\n".join(found.pop(row, [])))
            error.display = bool(error.content)
        self.query_one("#certificate-path").display = pem
        size = self.session.edited.mail.databytes
        hint = self.query_one("#databytes-bytes", Static)
        hint.update(f"= {size} bytes" if size > 0 and "databytes" not in self.unreadable else "")
        hint.display = bool(hint.content)
        note = self.query_one("#features-note", Static)
        note.update("\n".join(self.notes()))
        note.display = bool(note.content)
        status = self.query_one("#features-status", Static)
        if problems:
            count = f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")
            labels = dict.fromkeys(self.label(widget_of(p.key, pem)) for p in problems)
            status.update(f"{count} to fix before going on, in red: {', '.join(labels)}")
        else:
            status.update("Enter: choose the services. F1: what a feature does and costs.")
        status.set_class(bool(problems), "error")
        return problems

    def notes(self) -> list[str]:
        """The build options turned on for a feature, and what AUTH runs in this era."""
        session = self.session
        lines = [f"Build option {word} is on: {why}." for word, why in session.implied.items()]
        if session.implied and session.options.needs_source_build(session.edited.build.options):
            lines.append("That means a source build (Build options shows them).")
        if session.edited.mail.smtp_auth and not session.smtpd_does_auth():
            lines.append("SMTP AUTH here is submission on port 587: qmailofmipd will run.")
        return lines

    def label(self, where: str) -> str:
        """The label of the widget with id ``where``."""
        widget = self.query_one(f"#{where}")
        if isinstance(widget, Field):
            return widget.label
        return {"certificate": "TLS certificate", "smtp_auth": "SMTP AUTH"}[where]

    def refuse(self, problems: list[Problem]) -> None:
        first = problems[0]
        where = widget_of(first.key, self.pem)
        label = self.label(where)
        widget = self.query_one(f"#{where}")
        if isinstance(widget, Field):
            widget.input.focus()
        else:
            widget.focus()
        self.notify(
            f"{label}: {problem_text(first)}", title="Not yet", severity="error", markup=False
        )

    def help_for(self, focused: Widget | None) -> tuple[str, str] | None:
        if isinstance(focused, RadioSet):
            return ("TLS certificate", features_help.certificate_help(self.session))
        if isinstance(focused, Checkbox):
            return ("SMTP AUTH", features_help.auth_help(self.session))
        return None
