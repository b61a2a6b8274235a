"""The wizard App: the screen flow and the global bindings, nothing else.

``FLOW`` is the wizard's screens in order; a step posts ``Advance(type(self))`` and
the App opens the one after it.  ``tui.commands.interactive.create_app`` builds the App
for the CLI with the host probe already running.
"""

from __future__ import annotations

import functools
import gc
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Callable, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from .backend.session import Probing, Session
from .messages import Advance, Probed
from .screens.welcome import WelcomeScreen
from .widgets.ask import AskScreen

if TYPE_CHECKING:  # its journal is read by the probe, not imported for the first paint
    from .backend.journal import Unfinished

#: a wizard step: a Screen class made with the Session
StepScreen = Callable[[Session], Screen]
#: when the collector is back on at the latest (the probe may take that long on ssh)
GC_PAUSE_S = 5.0


def settle_gc() -> None:
    """If the CLI paused the garbage collector for the start: hide what is loaded by
    now from it (``gc.freeze``: its later passes skip the start's objects; a full pass
    otherwise stalls a key press by ~20 ms now and then), and resume it."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


@functools.cache
def flow() -> tuple[StepScreen, ...]:
    """The wizard's screens in order (``FLOW``).  Only the Welcome is imported with
    the App: the others load while it shows (``WizardApp.preload``)."""
    from .screens.accounts import AccountsScreen
    from .screens.apply import ApplyScreen
    from .screens.done import DoneScreen
    from .screens.features import FeaturesScreen
    from .screens.mail import MailScreen
    from .screens.options import OptionsScreen
    from .screens.review import ReviewScreen
    from .screens.services import ServicesScreen

    return (
        WelcomeScreen,
        OptionsScreen,
        AccountsScreen,
        MailScreen,
        FeaturesScreen,
        ServicesScreen,
        ReviewScreen,
        ApplyScreen,
        DoneScreen,
    )


def __getattr__(name: str):
    if name == "FLOW":
        return flow()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class WizardApp(App):
    """qmail-wizard's TUI; all host work happens in workers owned by the screens."""

    #: the Welcome's too: it is the default screen, whose CSS_PATH Textual reads only
    #: for a pushed screen
    CSS_PATH: ClassVar = ["wizard.tcss", "screens/welcome.tcss"]
    TITLE = "qmail-wizard"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save_profile", "Save profile"),
        Binding("ctrl+q", "quit", "Quit"),
    ]

    #: What the Apply screen's elapsed time is read from (the screenshots freeze it).
    clock: Callable[[], float] = staticmethod(time.monotonic)
    #: Id of the next new apply run; None: the engine's UTC timestamp (screenshots pin it).
    run_id: str | None = None
    #: The next apply continues the unfinished run (the admin chose to resume it).
    resume_pending = False
    #: Applied to each live Status before the Dashboard shows it (screenshots pin figures).
    status_filter: Callable = staticmethod(lambda status: status)

    def __init__(
        self,
        session: Session,
        save_path: str = "qmail-wizard-profile.yaml",
        probing: Probing | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.save_path = session.profile_path or save_path
        #: The probe's two stages, read from the start: the Welcome's host summary,
        #: then the option catalog Options needs.
        self.probing = probing or session.probe_in_background()

    def get_default_screen(self) -> Screen:
        """The Welcome is the bottom of the screen stack (no blank screen paints first)."""
        return WelcomeScreen(self.session)

    def on_mount(self) -> None:
        self.set_timer(GC_PAUSE_S, settle_gc)

    def on_probed(self, message: Probed) -> None:
        """Welcome's probe (bubbled up): an unfinished run is offered to resume; else,
        when qmail-send already runs, the Dashboard opens (the wizard's screens load when
        the admin goes on from its Welcome); else they load while the Welcome is read."""
        if message.unfinished is not None:
            self.offer_resume(message.unfinished)
            settle_gc()
        elif self.dashboard_first(message):
            self.action_open_dashboard()
            settle_gc()
        else:
            self.preload()

    def dashboard_first(self, message: Probed) -> bool:
        """The probe found qmail-send running and no unfinished run: the App opens the
        Dashboard over the Welcome."""
        state = self.session.state
        return message.unfinished is None and state is not None and state.running("qmailsend")

    def on_probe_failed(self) -> None:
        settle_gc()

    @work(thread=True)
    def preload(self) -> None:
        """Import the screens the Welcome did not need (then the collector is back)."""
        flow()
        settle_gc()

    def offer_resume(self, run: Unfinished) -> None:
        """Ask to continue ``run`` (as ``apply --resume``): yes goes to Review, whose
        apply then continues that run (its backups, log and undo stay one)."""
        answers = (
            f"the answers in {self.session.profile_path}"
            if self.session.profile_path
            else "the answers read from the host (start the wizard with your profile "
            "file to resume with its answers)"
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.resume_pending = True
                self.review_when_read()

        self.push_screen(
            AskScreen(
                "Resume the unfinished apply?",
                f"{run.describe()} Resuming plans again from the host with {answers}, "
                "shows the plan, and continues that run. No: the wizard starts "
                "over (a new run).",
                yes="resume",
            ),
            answered,
        )

    @work(thread=True)
    def review_when_read(self) -> None:
        """Open Review for the resume once the probe's second stage (the option catalog,
        and with it the answers read from the host) is in."""
        try:  # started here: the Welcome, under the question, did not start it
            self.probing.wait_for_catalog()
        except Exception:  # the Welcome shows why the catalog could not be read
            return
        self.call_from_thread(self._open_review)

    def _open_review(self) -> None:
        from .screens.review import ReviewScreen

        self.push_screen(ReviewScreen(self.session))

    async def action_quit(self) -> None:
        """Quit; while an apply runs, ask first, then cancel it and quit once it ended."""
        from .screens.apply import ApplyScreen

        running = next(
            (s for s in self.screen_stack if isinstance(s, ApplyScreen) and s.running), None
        )
        if running is None:
            self.exit()
        elif not isinstance(self.screen, AskScreen):
            self.push_screen(
                AskScreen(
                    "Quit while apply runs?",
                    "The running command is stopped, apply records where it ended, then "
                    "the wizard quits. It offers to resume the run when it starts again "
                    "(or: qmail-wizard apply PROFILE --resume).",
                    yes="quit",
                ),
                lambda yes: running.cancel(then_quit=True) if yes else None,
            )

    def action_open_dashboard(self) -> None:
        if self.return_code is not None:  # quitting (q then d): no screen opens any more
            return
        from .screens.dashboard import DashboardScreen

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
        steps = flow()
        index = steps.index(message.step)
        if index + 1 < len(steps):
            self.push_screen(steps[index + 1](self.session))
            self.call_after_refresh(gc.collect)

    def action_save_profile(self) -> None:
        """Ask for a file name (SaveScreen), then save the profile there; before the
        profile is read from the host (the probe's second stage, not read for the
        Dashboard alone), read it first."""
        if self.session.profile is None:
            self.notify("Reading the host's settings: the file name is asked for next.")
            self.save_when_read()
        else:
            self._ask_file_name()

    @work(thread=True, exclusive=True, group="save")
    def save_when_read(self) -> None:
        try:
            self.probing.wait_for_catalog()
        except Exception as exc:  # HostError, admission.Refused: said, nothing saved
            self.call_from_thread(
                self.notify, f"Nothing saved: {exc}", severity="error", markup=False
            )
            return
        self.call_from_thread(self._ask_file_name)

    def _ask_file_name(self) -> None:
        from .screens.save import SaveScreen

        if not isinstance(self.screen, SaveScreen):
            self.push_screen(SaveScreen(self.session, self.save_path), self._saved)

    def _saved(self, path: str | None) -> None:
        if path:
            self.save_path = path
            self.notify(f"Profile saved to {path}", markup=False)
