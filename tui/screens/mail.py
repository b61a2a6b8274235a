"""Mail: qmail's control files, the system aliases and who may relay.

Every edit goes straight into ``session.profile.mail``; the backend's validation
says what is wrong and the screen shows it beside the field it is about.
"""

from __future__ import annotations

import re
from typing import ClassVar

from textual.app import ComposeResult, CSSPathType
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Header, Label, RadioButton, RadioSet, Static

from ..backend.profile import Problem
from ..backend.profile.model import DELIVERIES, SYSTEM_ALIASES, alias_targets
from ..backend.profile.rules import unrouted_rcpthosts
from ..widgets.field import (
    FIELD_CSS,
    Field,
    Sourced,
    problem_text,
    source_line,
    widget_id,
)
from ..widgets.footer import KeyFooter
from .step import WizardStep

#: (profile key, label, help): the text fields in screen order, before delivery.
CONTROL_FIELDS = (
    (
        "me",
        "This host",
        "control/me: qmail's own name. It fills every other control "
        "file left empty and names this host in Received: lines and bounces.",
    ),
    (
        "defaultdomain",
        "Default domain",
        "control/defaultdomain: qmail-inject appends it "
        "to host names without a dot, so user@host becomes user@host.defaultdomain.",
    ),
    (
        "plusdomain",
        "Plus domain",
        "control/plusdomain: qmail-inject replaces a trailing "
        "'+' in an address's host with this domain.",
    ),
    (
        "locals",
        "Local domains",
        "control/locals, comma-separated: mail for these domains "
        "is delivered to this host's users (user@domain -> ~user).",
    ),
    (
        "rcpthosts",
        "Accept mail for",
        "control/rcpthosts, comma-separated: the open-relay "
        "guard. qmail-smtpd accepts mail only for these domains, unless the client has "
        "RELAYCLIENT (relay networks below). Empty would relay for everyone.",
    ),
    (
        "virtualdomains",
        "Virtual domains",
        "control/virtualdomains, domain:prefix "
        "comma-separated: mail for user@domain goes to the local address prefix-user. "
        "Each domain must also be in rcpthosts and not in locals.",
    ),
)
PLACEHOLDERS = {"virtualdomains": "none; e.g. example.net:joe, example.com:ann"}
ALIAS_HELP = (
    "~alias/.qmail-{name}: qmail never delivers to root, so mail to {name} is "
    "forwarded to this local user or user@domain and is never discarded."
)
OTHER_ALIASES_HELP = (
    "~alias/.qmail-NAME for any other address of this host: 'NAME: target, target' "
    "forwards mail to NAME to each local user or user@domain; separate aliases with ';' "
    "(fwd: someone@remote.example, admin; sales: ann)."
)
RELAY_HELP = (
    "/etc/tcp.smtp, comma-separated tcprules prefixes (127., 192.168.1.): "
    "clients from these networks get RELAYCLIENT, so qmail-smtpd lets them send "
    "to any domain. List only your own networks."
)
DELIVERY_HELP = (
    "control/defaultdelivery. Maildir (./Maildir/): one file per message, "
    "safe without locking, and what qmail-pop3d serves; Maildirs must exist, "
    "and the wizard makes them for the skeleton and existing users. "
    "mbox (./Mailbox): one file per user, for mail readers that need it."
)


def split_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def split_virtual(text: str) -> dict[str, str]:
    pairs = (item.partition(":") for item in split_list(text))
    return {domain.strip(): prefix.strip() for domain, _, prefix in pairs}


def alias_value(text: str) -> str | list[str]:
    """An alias's targets as the profile holds them: one target, or a list of them."""
    targets = split_list(text)
    return targets[0] if len(targets) == 1 else targets


def split_aliases(text: str) -> dict[str, str | list[str]]:
    """``fwd: a@b.example, admin; sales: ann`` -> {"fwd": [...], "sales": "ann"}."""
    entries = (entry.partition(":") for entry in text.split(";") if entry.strip())
    return {name.strip(): alias_value(targets) for name, _, targets in entries}


def aliases_text(aliases: dict) -> str:
    """The aliases beyond the system ones, as the "Other aliases" field shows them."""
    return "; ".join(
        f"{name}: {', '.join(alias_targets(target))}"
        for name, target in aliases.items()
        if name not in SYSTEM_ALIASES
    )


def field_id(key: str) -> str:
    """The widget id a ``mail.*`` problem key belongs to ("" when none shows it)."""
    rest = key.removeprefix("mail.")
    match = re.match(r"[a-z_]*", rest)
    assert match is not None  # [a-z_]* matches every string, if only emptily
    name = match[0]
    if name == "aliases":
        alias = re.sub(r"\[\d+\]$", "", rest.partition(".")[2])
        return f"alias-{alias}" if alias in SYSTEM_ALIASES else "aliases-other"
    return name


class MailScreen(WizardStep):
    CSS_PATH: ClassVar[CSSPathType] = ["mail.tcss", FIELD_CSS]
    AUTO_FOCUS = "Field Input"
    NAME = "mail"
    KEYS = ("mail",)
    #: each field's prefilled text (by widget id): a field showing another is marked
    prefilled: dict[str, str] | None = None

    def compose(self) -> ComposeResult:
        mail = self.session.edited.mail
        yield Header()
        yield Static("Mail: names, domains, aliases, relaying", classes="screen-title")
        with VerticalScroll(id="mail-form", can_focus=False):
            yield Static("Names and domains (qmail's control files)", classes="section")
            for key, label, help in CONTROL_FIELDS:
                yield Field(
                    label,
                    self._text(key),
                    key=key,
                    help=help,
                    id=key,
                    placeholder=PLACEHOLDERS.get(key, ""),
                    source=self._source(key),
                )
            with Sourced(id="delivery"):
                with Horizontal(id="delivery-row"):
                    yield Label("Delivery", id="delivery-label")
                    with RadioSet(id="defaultdelivery", compact=True):
                        for delivery, label in zip(DELIVERIES, ("Maildir", "mbox")):
                            yield RadioButton(
                                f"{label} ({delivery})", value=mail.defaultdelivery == delivery
                            )
                if self._source("defaultdelivery"):
                    yield Static(
                        source_line(self._source("defaultdelivery")),
                        markup=False,
                        id="delivery-source",
                        classes="source-line",
                    )
            yield Static("", markup=False, id="delivery-error", classes="error")
            yield Static("Aliases: who reads the system's mail", classes="section")
            for name in SYSTEM_ALIASES:
                yield Field(
                    f"{name} to",
                    self._text(f"alias-{name}"),
                    key=f"aliases.{name}",
                    help=ALIAS_HELP.format(name=name),
                    source=self._source(f"aliases.{name}"),
                    id=f"alias-{name}",
                )
            yield Field(
                "Other aliases",
                self._text("aliases-other"),
                key="aliases",
                help=OTHER_ALIASES_HELP,
                placeholder="none; e.g. fwd: someone@remote.example, admin",
                id="aliases-other",
            )
            yield Static("Relaying: clients allowed to send anywhere", classes="section")
            yield Field(
                "Relay networks",
                self._text("relay_from"),
                key="relay_from",
                help=RELAY_HELP,
                source=self._source("relay_from"),
                id="relay_from",
            )
        yield Static("", markup=False, id="mail-status", classes="hint")
        yield KeyFooter()

    def _texts(self, profile) -> dict[str, str]:
        """Each field's text (by widget id) for ``profile``."""
        return {widget_id(f): self._text(widget_id(f), profile) for f in self.query(Field)}

    def _source(self, key: str) -> str:
        """Where the host's value of ``mail.<key>`` was read ("" when not from the host)."""
        return self.session.source(f"mail.{key}")

    def _text(self, field: str, profile=None) -> str:
        """The profile's value for a field, as the admin edits it."""
        mail = (profile or self.session.edited).mail
        if field == "aliases-other":
            return aliases_text(mail.aliases)
        if field.startswith("alias-"):
            target = mail.aliases.get(field.removeprefix("alias-"), "")
            return ", ".join(target) if isinstance(target, list) else target
        if field == "virtualdomains":
            return ", ".join(f"{d}:{p}" for d, p in mail.virtualdomains.items())
        value = getattr(mail, field)
        return ", ".join(value) if isinstance(value, list) else value

    def on_mount(self) -> None:
        self.query_one("#delivery-error").display = False
        self.show_problems()

    def on_screen_resume(self) -> None:
        for field in self.query(Field):
            field.value = self._text(widget_id(field))
        delivery = self.session.edited.mail.defaultdelivery
        for button, value in zip(self.query(RadioButton), DELIVERIES):
            button.value = value == delivery
        self.show_problems()

    def on_field_changed(self, event: Field.Changed) -> None:
        mail, key, text = self.session.edited.mail, event.field.key, event.value
        if key.startswith("aliases."):
            name = key.partition(".")[2]
            if split_list(text):
                mail.aliases[name] = alias_value(text)
            else:
                mail.aliases.pop(name, None)
        elif key == "aliases":
            system = {n: t for n, t in mail.aliases.items() if n in SYSTEM_ALIASES}
            mail.aliases = system | split_aliases(text)
        elif key == "virtualdomains":
            mail.virtualdomains = split_virtual(text)
        elif isinstance(getattr(mail, key), list):
            setattr(mail, key, split_list(text))
        else:
            setattr(mail, key, text)
        self.show_problems()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.session.edited.mail.defaultdelivery = DELIVERIES[event.index]
        self.show_problems()

    def show_problems(self) -> list[Problem]:
        """Show every mail problem beside its field; the list of them."""
        problems = self.problems()
        found: dict[str, list[str]] = {}
        for problem in problems:
            where, text = field_id(problem.key), problem_text(problem)
            found.setdefault(where, []).append(text if where else f"{problem.key}: {text}")
        if self.prefilled is None:
            # nothing read from a host: the answers as the screen opened are the baseline
            self.prefilled = self._texts(self.session.prefilled() or self.session.edited)
        changed = False
        for field in self.query(Field):
            fid = widget_id(field)
            field.show_problem("\n".join(found.pop(fid, [])))
            field_changed = self._text(fid) != self.prefilled.get(fid)
            field.show_changed(field_changed)
            changed = changed or field_changed
        delivery = self.query_one("#delivery-error", Static)
        delivery.update("\n".join(found.pop("defaultdelivery", [])))
        delivery.display = bool(delivery.content)
        others = found.get("", [])
        status = self.query_one("#mail-status", Static)
        if problems:
            count = f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")
            status.update(
                f"{count} to fix before going on (shown in red)"
                + "".join(f"\n{text}" for text in others)
            )
            status.add_class("error")
        else:
            unrouted = unrouted_rcpthosts(self.session.edited.mail)
            lines = ["Enter: the mail features. F1: help for the focused field."]
            if changed:
                lines[0] += " * marks what you changed."
            if unrouted:
                lines.append(
                    f"⚠ Accepted but neither local nor virtual: {', '.join(unrouted)} "
                    "(qmail relays their mail by MX: right for a backup MX only)."
                )
            status.update("\n".join(lines))
            status.set_class(bool(unrouted), "warning")
            status.remove_class("error")
        return problems

    def refuse(self, problems: list[Problem]) -> None:
        first = problems[0]
        where = field_id(first.key)
        widget = self.query(f"#{where}").first() if where else None
        if isinstance(widget, Field):
            widget.input.focus()
        elif widget is not None:
            widget.focus()
        label = widget.label if isinstance(widget, Field) else first.key
        self.notify(f"{label}: {first.message}", title="Not yet", severity="error", markup=False)

    def help_for(self, focused: Widget | None) -> tuple[str, str] | None:
        return ("Delivery", DELIVERY_HELP) if isinstance(focused, RadioSet) else None
