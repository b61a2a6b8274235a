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

from .backend.hosts import SandboxHost
from .backend.session import Session
from .sandbox import api as sandbox
from .screenshot_drivers import (
    DEADLINE,
    freeze,
    reach_screen,
    to_apply_failed,
    to_apply_running,
    to_confirm,
    to_dashboard,
    to_done,
    to_features_srs,
    to_reconfigure,
    to_review_reconfigure,
    to_welcome,
)
from .wizard import WizardApp

PACE = 0.02
SIZE = (80, 24)
OUT_DIR = Path(__file__).resolve().parent.parent / "screenshots"
#: The apply run's id (its log path is on screen); the clock is stopped ("Elapsed 0:00").
RUN_ID = "20170406T120000Z"
#: What the Dashboard shows instead of the live pids, uptimes, CPU, RSS and log times.
PINNED_UPTIME, PINNED_RSS, LOG_TIME = 3723.0, 1536 << 10, "Apr  6 12:00:00"


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
