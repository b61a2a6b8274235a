"""The keys an admin presses to reach each screenshot's state (Pilot drivers), and the
waits between them; tui.screenshots pairs them with sandboxes into scenarios."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Awaitable
from typing import Callable

from textual.widgets import Log, Static

from .widgets.output_pane import OutputPane
from .wizard import FLOW

#: The wizard's screens by their module in tui/screens ("options"), in flow order.
FLOW_NAMES = [screen.__module__.rpartition(".")[2] for screen in FLOW]
#: How long a scenario may wait for the state it wants (an apply can take a while).
DEADLINE = 120.0


# -- waiting ------------------------------------------------------------------------------
async def settle(pilot) -> None:
    """Every worker done and every message processed."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def until(
    pilot, condition: Callable[[], bool], what: str, deadline: float = DEADLINE
) -> None:
    """Let the app run until ``condition()`` holds; TimeoutError naming ``what`` else."""
    limit = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > limit:
            raise TimeoutError(
                f"screenshots: gave up waiting for {what} after "
                f"{deadline:.0f} s; the screen shows:\n{screen_text(pilot.app)}"
            )
        await pilot.pause(0.05)
    await pilot.pause()


def on_screen(pilot, name: str) -> Callable[[], bool]:
    """The active screen is the one of tui/screens/<name>.py."""
    module = f"{__package__}.screens.{name}"
    return lambda: type(pilot.app.screen).__module__ == module


def screen_text(app) -> str:
    """The text of the active screen's Static, Log and OutputPane widgets."""
    parts: list[str] = []
    for widget in app.screen.query("*"):
        if isinstance(widget, Log):
            parts.extend(widget.lines)
        elif isinstance(widget, OutputPane):
            parts.extend(widget.shown)
        elif isinstance(widget, Static):
            parts.append(str(widget.render()))
    return "\n".join(parts)


def shows(pilot, pattern: str) -> Callable[[], bool]:
    return lambda: re.search(pattern, screen_text(pilot.app), re.MULTILINE) is not None


async def freeze(pilot) -> None:
    """Stop what animates on its own (cursor blink) so the picture is reproducible."""
    for widget in pilot.app.screen.query("*"):
        if getattr(widget, "cursor_blink", False):
            widget.cursor_blink = False
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


# -- drivers: the keys an admin presses to reach each state -------------------------------
async def _press_on(pilot, screen: str, key: str, following: str) -> None:
    """On ``screen`` (its workers done), press ``key`` and wait for ``following``."""
    await until(pilot, on_screen(pilot, screen), f"the {screen} screen")
    await settle(pilot)
    await pilot.press(key)
    await until(pilot, on_screen(pilot, following), f"the {following} screen after {key}")


async def to_welcome(pilot) -> None:
    await settle(pilot)
    await until(pilot, shows(pilot, "Press Enter"), "the host summary")


async def advance(pilot, target: str) -> None:
    """From launch, accept each screen with Enter until ``target`` shows (its worker done)."""
    await to_welcome(pilot)
    flow = FLOW_NAMES[: FLOW_NAMES.index(target) + 1]
    for current, following in zip(flow, flow[1:]):
        await _press_on(pilot, current, "enter", following)
        await settle(pilot)


def reach_screen(target: str) -> Callable[[object], Awaitable[None]]:
    """A driver that accepts the defaults up to ``target`` (e.g. "review": the plan made)."""
    return functools.partial(advance, target=target)


async def to_features_srs(pilot) -> None:
    """Mail features with an SRS domain typed: the build option it turned on, noted."""
    await advance(pilot, "features")
    pilot.app.screen.query_one("#srs Input").focus()
    await pilot.press(*"srs.example.org")
    await until(pilot, shows(pilot, "qmail-srs is on"), "the qmail-srs note")
    pilot.app.clear_notifications()
    await settle(pilot)


async def to_confirm(pilot) -> None:
    await advance(pilot, "review")
    await _press_on(pilot, "review", "enter", "confirm")


async def _start_apply(pilot) -> None:
    """Confirm with y; the apply screen is up and its worker runs (not awaited)."""
    await to_confirm(pilot)
    await _press_on(pilot, "confirm", "y", "apply")


async def to_apply_running(pilot) -> None:
    """Held by the slow-download fault at 0 % of qmail's package (minutes away from 25 %)."""
    await _start_apply(pilot)
    await until(
        pilot, shows(pilot, r"/qmail-1[^/ ]*\.tgz: 0 of .*\(0%\)"), "the start of qmail's download"
    )


async def to_apply_failed(pilot) -> None:
    await _start_apply(pilot)
    await until(pilot, shows(pilot, "^Failed in step"), "the failure")
    await settle(pilot)


async def to_done(pilot) -> None:
    await _start_apply(pilot)
    await until(pilot, shows(pilot, "(?i)press enter for the results"), "the end of apply")
    await _press_on(pilot, "apply", "enter", "done")
    await settle(pilot)


async def to_dashboard(pilot) -> None:
    """Launch on a host where qmail runs: the Dashboard opens, its first reads shown."""
    await until(pilot, on_screen(pilot, "dashboard"), "the dashboard at launch")
    await until(
        pilot,
        lambda: pilot.app.screen.status is not None and pilot.app.screen.query_one("#log").shown,
        "the first status read",
    )


async def to_reconfigure(pilot) -> None:
    """Launch on a host where qmail runs; from the Dashboard, w goes to the wizard's
    Welcome, which describes the installed qmail."""
    await until(
        pilot,
        lambda: (
            on_screen(pilot, "dashboard")()
            or (on_screen(pilot, "welcome")() and pilot.app.screen.summary is not None)
        ),
        "the dashboard or welcome at launch",
    )
    if on_screen(pilot, "dashboard")():
        await pilot.press("w")
    await until(pilot, on_screen(pilot, "welcome"), "the welcome screen")
    await to_welcome(pilot)


#: What an admin adds by hand to control/locals while the wizard is open (drift).
HAND_EDIT = "hand.example.org\n"


async def to_review_reconfigure(pilot) -> None:
    """Reconfigure: one domain added to rcpthosts on Mail, while control/locals gets a
    line added by hand (after the probe): Review shows the control change and asks
    what to do with the hand-edited file."""
    await to_reconfigure(pilot)
    for current, following in zip(FLOW_NAMES, FLOW_NAMES[1 : FLOW_NAMES.index("mail") + 1]):
        await _press_on(pilot, current, "enter", following)
    await settle(pilot)
    host = pilot.app.session.host
    locals_path = "/usr/pkg/etc/qmail/control/locals"
    host.write(locals_path, host.read_text(locals_path) + HAND_EDIT)
    pilot.app.screen.query_one("#rcpthosts").input.focus()
    await pilot.press("end", *", new.example.org")
    await _press_on(pilot, "mail", "enter", "features")
    await _press_on(pilot, "features", "enter", "services")
    await _press_on(pilot, "services", "enter", "review")
    await settle(pilot)
    await until(pilot, lambda: pilot.app.screen.plan is not None, "the plan")
