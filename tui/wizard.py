"""The wizard App: the screen flow and the global bindings, nothing else.

``FLOW`` is the wizard's screens in order; a step posts ``Advance(type(self))`` and
the App opens the one after it.  ``tui.commands.interactive.create_app`` builds the App
for the CLI with the host probe already running.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import Future
from typing import Callable, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from .backend.session import Session
from .messages import Advance, Probed
from .screens.accounts import AccountsScreen
from .screens.apply import ApplyScreen
from .screens.dashboard import DashboardScreen
from .screens.done import DoneScreen
from .screens.mail import MailScreen
from .screens.options import OptionsScreen
from .screens.review import ReviewScreen
from .screens.save import SaveScreen
from .screens.services import ServicesScreen
from .screens.welcome import WelcomeScreen

#: The wizard's screens in order.
FLOW: tuple[type[Screen], ...] = (
    WelcomeScreen,
    OptionsScreen,
    AccountsScreen,
    MailScreen,
    ServicesScreen,
    ReviewScreen,
    ApplyScreen,
    DoneScreen,
)


class WizardApp(App):
    """qmail-wizard's TUI; all host work happens in workers owned by the screens."""

    CSS_PATH = "wizard.tcss"
    TITLE = "qmail-wizard"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save_profile", "Save profile"),
        Binding("ctrl+q", "quit", "Quit"),
    ]

    #: What the Apply screen's elapsed time is read from (the screenshots freeze it).
    clock: Callable[[], float] = staticmethod(time.monotonic)
    #: Id of the next new apply run; None: the engine's UTC timestamp (screenshots pin it).
    run_id: str | None = None
    #: Applied to each live Status before the Dashboard shows it (screenshots pin figures).
    status_filter: Callable = staticmethod(lambda status: status)

    def __init__(
        self,
        session: Session,
        save_path: str = "qmail-wizard-profile.yaml",
        probing: Future | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.save_path = session.profile_path or save_path
        #: The Welcome screen's host summary, read from the start.
        self.probing = probing or session.probe_in_background()

    def on_mount(self) -> None:
        self.push_screen(WelcomeScreen(self.session))

    def on_probed(self, message: Probed) -> None:
        """Welcome's probe (bubbled up): qmail-send already runs, so open the Dashboard."""
        if self.session.state.running("qmailsend"):
            self.action_open_dashboard()

    def action_open_dashboard(self) -> None:
        if self.return_code is not None:  # quitting (q then d): no screen opens any more
            return
        self.push_screen(DashboardScreen(self.session))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if screen.name != "dashboard":
            yield SystemCommand(
                "Dashboard: live service state (qmail-wizard status)",
                "Services, queue and mail log; start, stop, restart, flush, test mail",
                self.action_open_dashboard,
            )

    def on_advance(self, message: Advance) -> None:
        index = FLOW.index(message.step)
        if index + 1 < len(FLOW):
            self.push_screen(FLOW[index + 1](self.session))

    def action_save_profile(self) -> None:
        """Ask for a file name (SaveScreen), then save the profile there."""
        if self.session.profile is None:
            self.notify("Nothing to save yet: the host is still being read.", severity="warning")
            return
        if isinstance(self.screen, SaveScreen):
            return
        self.push_screen(SaveScreen(self.session, self.save_path), self._saved)

    def _saved(self, path: str | None) -> None:
        if path:
            self.save_path = path
            self.notify(f"Profile saved to {path}", markup=False)
