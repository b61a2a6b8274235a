"""Build options: every PKG_OPTIONS.qmail option of this host, and what a change costs.

The catalog is the probe's second stage (``App.probing.catalog``), read while the
Welcome shows; opened before it is in, the screen shows a spinner and builds its
list when a worker posts CatalogRead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Header, OptionList, Static

from ..backend.hosts import HostError
from ..backend.profile import Problem
from ..backend.session import Session
from ..backend.vis import vis
from ..messages import CatalogFailed, CatalogRead
from ..widgets.field import source_line
from ..widgets.footer import KeyFooter
from ..widgets.help import HelpScreen
from ..widgets.option_list import BuildOptionList, Refused, Row, toggle
from ..widgets.spinner import Spinner
from .step import WizardStep

if TYPE_CHECKING:
    from ..wizard import WizardApp

COST = (
    "Built from /usr/pkgsrc: several minutes; needs the pkgsrc tree. "
    "Binary packages carry only the defaults."
)


def source_build_cost(session: Session) -> str:
    """What a source build costs on this host, plus a warning when it cannot run."""
    text = COST
    if session.state is not None and not session.state.pkgsrc_tree:
        text += " This host has no pkgsrc tree at /usr/pkgsrc yet: fetch it before applying."
    method = [p for p in session.problems() if p.key == "install.method"]
    if method:
        text += f" Your profile's install.method is {method[0].value!r}: set it to source."
    return text


def options_note(session: Session) -> str:
    """The source-build note for the current options ("" when the defaults are kept)."""
    catalog, words = session.options, session.edited.build.options
    if not catalog.needs_source_build(words):
        return ""
    changes = catalog.changes(catalog.effective(words))
    return (
        f"Source build: these options differ from the defaults ({' '.join(changes)}). "
        + source_build_cost(session)
    )


def group_help(catalog, group: str) -> str:
    names = catalog.groups[group]
    default = [n for n in names if n in catalog.defaults]
    return (
        f"Pick-one group {group}: at most one of {', '.join(names)} may be on; choosing "
        'one replaces the others, and "none" turns them all off. Default: '
        f"{default[-1] if default else 'none'}."
    )


def built_line(session: Session, row: Row) -> str:
    """Whether the installed qmail was built with the highlighted option (or a member
    of the highlighted group), as the start of its source line."""
    built = set(session.probed.build_info.get("qmail", {}).get("PKG_OPTIONS", "").split())
    if row.name:
        return f"installed: built {'with' if row.name in built else 'without'} it, "
    chosen = sorted(built & set(session.options.groups[row.group]))
    return f"installed: built with {', '.join(chosen) or 'none of them'}, "


class OptionsScreen(WizardStep):
    CSS_PATH = "options.tcss"
    NAME = "options"
    KEYS = ("build.options",)

    @property
    def words(self) -> list:
        return self.session.edited.build.options

    @property
    def ready(self) -> bool:
        """The catalog (and with it the profile) is in."""
        return self.session.catalog is not None and self.session.profile is not None

    def compose(self) -> ComposeResult:
        yield Header()
        yield from self.body() if self.ready else self.loading_widgets()
        yield KeyFooter()

    def body(self) -> list[Widget]:
        """The title, the option list and the side pane (the catalog is in)."""
        return [
            Static(
                Content.assemble(
                    "Build options  ", (f"({vis(self.session.options.source)})", "dim")
                ),
                classes="screen-title",
            ),
            Static("", id="words", classes="hint", markup=False),
            Static("", id="source", classes="hint", markup=False),
            Horizontal(
                BuildOptionList(self.session.options, self.words, id="options"),
                VerticalScroll(
                    Static("", id="problems", classes="error", markup=False),
                    Static("", id="note", markup=False),
                    Static("", id="about", markup=False),
                    id="side",
                    can_focus=False,
                ),
                id="panes",
            ),
        ]

    def loading_widgets(self) -> list[Widget]:
        """What shows until the catalog is in."""
        return [
            Static("Build options", classes="screen-title loading"),
            Static(
                "Reading this host's build options (make show-options)...",
                id="reading",
                classes="hint loading",
            ),
            Spinner(id="loading", classes="loading"),
        ]

    def on_mount(self) -> None:
        if self.ready:
            self.start()
        else:
            self.wait_for_catalog()

    def start(self) -> None:
        self.query_one("#source").display = bool(self.session.source("build.options"))
        self.query_one(BuildOptionList).focus()

    @work(thread=True, exclusive=True)
    def wait_for_catalog(self) -> None:
        """Wait for the probe's second stage (the Welcome started it)."""
        try:
            cast("WizardApp", self.app).probing.wait_for_catalog()
            self.post_message(CatalogRead())
        except HostError as exc:
            self.post_message(CatalogFailed(str(exc)))

    async def on_catalog_read(self, message: CatalogRead) -> None:
        message.stop()
        await self.query(".loading").remove()
        await self.mount_all(self.body(), before=self.query_one(KeyFooter))
        self.start()
        self.show_problems()

    def on_catalog_failed(self, message: CatalogFailed) -> None:
        message.stop()
        self.query_one("#loading", Spinner).spin(False)
        self.query_one("#reading", Static).update(
            Content.assemble(
                ("Cannot read the build options:", "bold"),
                f" {vis(message.error)}\nPress Esc, then restart qmail-wizard.",
            )
        )

    def on_screen_resume(self) -> None:
        if self.ready:
            self.show_problems()

    def action_next(self) -> None:
        if not self.ready:
            self.notify("Still reading the build options...", severity="warning")
            return
        super().action_next()

    def show_problems(self) -> list[Problem]:
        """Show the profile's words: marks, the words line, problems and the note."""
        words = self.words
        self.query_one(BuildOptionList).show(words)
        shown = " ".join(map(str, words)) if words else "(none: the defaults)"
        self.query_one("#words", Static).update(vis(f"PKG_OPTIONS.qmail: {shown}"))
        problems = self.problems()
        box = self.query_one("#problems", Static)
        box.update("\n".join(f"• {p.message}" for p in problems))
        box.display = bool(problems)
        note = options_note(self.session)
        if not note and not self.session.edited.build.accounts.is_default():
            note = "Source build: the accounts are renamed (Accounts screen). " + source_build_cost(
                self.session
            )
        self.query_one("#note", Static).update(note)
        self.query_one("#note").display = bool(note)
        return problems

    def on_build_option_list_toggled(self, message: BuildOptionList.Toggled) -> None:
        try:
            self.session.edited.build.options = toggle(
                self.session.options, self.words, message.row
            )
        except Refused as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.show_problems()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        row = self.query_one(BuildOptionList).row
        if row is not None:
            self.query_one("#about", Static).update(self.about(row))
        source = self.session.source("build.options")
        if source and row is not None:
            self.query_one("#source", Static).update(
                built_line(self.session, row) + source_line(source)
            )

    def about(self, row: Row) -> str:
        if row.name:
            return self.session.options.describe(row.name)
        return group_help(self.session.options, row.group)

    def action_help(self) -> None:
        row = self.query_one(BuildOptionList).row if self.ready else None
        if row is None:
            return
        title = row.name or f"Group {row.group}"
        self.app.push_screen(HelpScreen(title, self.about(row)))

    def refuse(self, problems: list[Problem]) -> None:
        self.notify(
            f"Fix the build options first: {problems[0].message}", severity="error", markup=False
        )
