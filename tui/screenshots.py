"""Render the wizard's screens to SVG: ``python -m tui.screenshots [--check] [NAME...]``.

Each scenario boots a fresh sandbox (fast pace), runs the wizard at 80x24,
presses the keys an admin would press to reach one screen in one state, and writes
``screenshots/<name>.svg``.  The output is byte-identical between runs: nothing that
varies (ports, temp paths, pids, clocks) reaches the screen.  ``--check`` renders into a
temp dir and exits 1 naming the files that differ.  The snapshot tests import
``SCENARIOS`` and ``scenario_app`` so that one place knows how to reach each state.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import functools
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from textual.widgets import Log, Static

from .backend.hosts import SandboxHost
from .backend.session import Session
from .sandbox import api as sandbox
from .widgets.output_pane import OutputPane
from .wizard import FLOW, WizardApp

#: The wizard's screens by their module in tui/screens ("options"), in flow order.
FLOW_NAMES = [screen.__module__.rpartition(".")[2] for screen in FLOW]
PACE = 0.02
SIZE = (80, 24)
OUT_DIR = Path(__file__).resolve().parent.parent / "screenshots"
#: The apply run's id (its log path is on screen); the clock is stopped ("Elapsed 0:00").
RUN_ID = "20170406T120000Z"
#: What the Dashboard shows instead of the live pids, uptimes, CPU, RSS and log times.
PINNED_UPTIME, PINNED_RSS, LOG_TIME = 3723.0, 1536 << 10, "Apr  6 12:00:00"
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


def install_default(box: sandbox.Sandbox) -> None:
    """qmail installed and running, as `qmail-wizard apply profiles/default.yaml` does;
    then the mail log rotated (emptied) and one message to admin delivered, so that the
    log holds one delivery (apply's test message to postmaster is two deliveries at
    once, logged in either order)."""
    root = OUT_DIR.parent
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tui.cli",
            "--target",
            f"sandbox:{box.base}",
            "apply",
            str(root / "profiles" / "default.yaml"),
            "--yes",
        ],
        cwd=root,
        check=True,
        capture_output=True,
        timeout=DEADLINE,
        stdin=subprocess.DEVNULL,
    )
    box.sh(": > /var/log/maillog")
    sent = box.exec(["/usr/pkg/bin/qmail-inject", "admin"], input="Subject: hello\n\nhello\n")
    if sent.returncode:
        raise RuntimeError(f"screenshots: qmail-inject failed: {sent.stderr}")
    host, limit = SandboxHost(box.base), time.monotonic() + DEADLINE
    while "end msg" not in host.read_text("/var/log/maillog"):
        if time.monotonic() > limit:
            raise TimeoutError("screenshots: the message to admin was never delivered")
        time.sleep(0.05)


class StatusPin:
    """The app's status filter for pictures: fixed pids, uptimes, CPU, RSS, queue age and
    log times; the log's other numbers (pids, inodes, ports) become 100, 101... in the
    order first seen (so a line reads the same in every refresh)."""

    def __init__(self) -> None:
        self.numbers: dict[str, str] = {}

    def __call__(self, status):
        services = [
            dataclasses.replace(
                service,
                pids=[1000 + 10 * index + k for k in range(len(service.pids))],
                uptime_s=PINNED_UPTIME if service.pids else None,
                cpu_percent=0.0,
                rss_bytes=PINNED_RSS * len(service.pids),
            )
            for index, service in enumerate(status.services)
        ]
        queue = dataclasses.replace(
            status.queue, oldest_s=None if status.queue.oldest_s is None else 60.0
        )
        return dataclasses.replace(
            status,
            services=services,
            queue=queue,
            taken_at=0.0,
            log=[self.line(line) for line in status.log],
        )

    def line(self, line: str) -> str:
        line = re.sub(r"^\w{3} [ \d]\d \d\d:\d\d:\d\d", LOG_TIME, line)
        return re.sub(r"(?<![\d.])\d{3,}(?![\d.])", self.number, line)

    def number(self, match: re.Match) -> str:
        return self.numbers.setdefault(match.group(), str(100 + len(self.numbers)))


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str  # alt text in the README
    drive: Callable[[object], Awaitable[None]]
    faults: str = ""  # faults.yaml written before the app starts
    prepare: Callable[[sandbox.Sandbox], None] | None = None  # run on the host before the app

    async def reach(self, pilot) -> None:
        """Drive a fresh app to this state and hold it still (also a snap_compare hook)."""
        await self.drive(pilot)
        await freeze(pilot)


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("welcome", "Welcome", to_welcome),
        Scenario("options", "Build options", reach_screen("options")),
        Scenario("accounts", "Accounts", reach_screen("accounts")),
        Scenario("mail", "Mail", reach_screen("mail")),
        Scenario("features", "Mail features: SRS turns qmail-srs on", to_features_srs),
        Scenario("services", "Services", reach_screen("services")),
        Scenario("review", "Review", reach_screen("review")),
        Scenario("confirm", "Confirmation", to_confirm),
        Scenario(
            "apply-running",
            "Apply, running",
            to_apply_running,
            "faults: [{kind: slow-download, package: qmail, seconds: 4000}]\n",
        ),
        Scenario(
            "apply-failed",
            "Apply, failed",
            to_apply_failed,
            "faults: [{kind: missing-package, package: qmail}]\n",
        ),
        Scenario("done", "Done", to_done),
        Scenario("dashboard", "Dashboard", to_dashboard, prepare=install_default),
        Scenario(
            "welcome-reconfigure",
            "Welcome, qmail installed",
            to_reconfigure,
            prepare=install_default,
        ),
        Scenario(
            "review-reconfigure",
            "Review, reconfiguring: one change and a hand edit",
            to_review_reconfigure,
            prepare=install_default,
        ),
    )
}


@contextmanager
def scenario_app(scenario: Scenario) -> Iterator[WizardApp]:
    """A wizard on a fresh sandbox for ``scenario``; the sandbox is stopped afterwards.

    Run the app in its own event loop (``asyncio.run``, ``App.run``, snap_compare):
    closing that loop joins the screens' worker threads, so none of them is still
    talking to (and booting again) the sandbox when it stops.
    """
    with tempfile.TemporaryDirectory(prefix="qmail-wizard-shot-") as tmp:
        box = sandbox.Sandbox.create(Path(tmp) / "host", pace=PACE)
        try:
            if scenario.faults:
                box.set_faults(scenario.faults)
            if scenario.prepare:
                scenario.prepare(box)
            app = WizardApp(Session(SandboxHost(box.base)))
            app.clock, app.run_id, app.status_filter = (lambda: 0.0), RUN_ID, StatusPin()
            yield app
        finally:
            box.stop()


async def _shoot(app: WizardApp, scenario: Scenario, size: tuple[int, int]) -> str:
    async with app.run_test(size=size) as pilot:
        await scenario.reach(pilot)
        return app.export_screenshot()


def render(scenario: Scenario, size: tuple[int, int] = SIZE) -> str:
    """The SVG of ``scenario`` on a fresh sandbox."""
    with scenario_app(scenario) as app:
        return asyncio.run(_shoot(app, scenario, size))


def render_all(names: list[str], out_dir: Path) -> list[Path]:
    """Scenarios run one after the other."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        path = out_dir / f"{name}.svg"
        path.write_text(render(SCENARIOS[name]))
        written.append(path)
    return written


def stale(fresh_dir: Path, names: list[str], out_dir: Path = OUT_DIR) -> list[str]:
    """Files of ``out_dir`` that differ from, lack, or have no counterpart in ``fresh_dir``
    (the last only when every scenario was rendered)."""
    differ = [
        f"{name}.svg"
        for name in names
        if not (out_dir / f"{name}.svg").is_file()
        or (out_dir / f"{name}.svg").read_bytes() != (fresh_dir / f"{name}.svg").read_bytes()
    ]
    if set(names) == set(SCENARIOS):
        differ += sorted(p.name for p in out_dir.glob("*.svg") if p.stem not in SCENARIOS)
    return differ


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tui.screenshots", description="Render the wizard's screens to screenshots/."
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when screenshots/ differs from a fresh rendering",
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"only these scenarios ({', '.join(SCENARIOS)})"
    )
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    names = args.names or list(SCENARIOS)
    if not args.check:
        for path in render_all(names, OUT_DIR):
            print(f"wrote {path.relative_to(OUT_DIR.parent)}")
        return 0
    with tempfile.TemporaryDirectory(prefix="qmail-wizard-shots-") as tmp:
        render_all(names, Path(tmp))
        differ = stale(Path(tmp), names)
    if differ:
        print(
            "stale screenshots: "
            + ", ".join(f"screenshots/{n}" for n in differ)
            + "\nrefresh them with: python -m tui.screenshots (and delete any SVG that no "
            "scenario renders)",
            file=sys.stderr,
        )
        return 1
    print(f"screenshots/ is up to date ({len(names)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
