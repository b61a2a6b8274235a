"""qmail-wizard benchmarks, measured side by side in one run (issue 8).

    python tests/bench/run.py [--json] [--quick]

Prints a table; with --json the last line is one JSON object with every figure.
Sandboxes are created in a temporary directory and stopped and removed at the end.
Apply runs at PACE (1.0: the sandbox's realistic download and build delays), for the
wizard and for the plain sh script alike.  Timings are medians of interleaved runs.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(ROOT)]

import psutil  # noqa: E402
from term import Terminal  # noqa: E402

from tui.backend import probe as probe_module  # noqa: E402
from tui.backend.hosts import SandboxHost  # noqa: E402
from tui.backend.steps import _quote  # noqa: E402
from tui.sandbox import container  # noqa: E402
from tui.sandbox.handle import Sandbox  # noqa: E402

PACE = 1.0
PROFILE = ROOT / "profiles" / "default.yaml"
WELCOME_MARKER = "Press Enter to choose the build options"
BARE_MARKER = "Press Enter to continue with the bare app"
#: Enter on each screen up to Mail: (text the screen shows once ready, key)
TO_MAIL = [
    (WELCOME_MARKER, "enter"),
    ("PKG_OPTIONS.qmail", "enter"),
    ("QMAIL_NOFILES_GROUP", "enter"),
    ("Relay networks", None),
]
DASHBOARD_SCREEN = ROOT / "tui" / "screens" / "dashboard.py"
DASHBOARD_MARKER = "enabled services are running"  # its health line, once read
GOALS = {  # key: the most it may be
    "tui_start_ratio": 1.15,
    "headless_start_ms_over_python": 150,
    "probe_round_trips": 2,
    "apply_overhead_ratio": 1.10,
    "dashboard_idle_ratio": 2.0,
    "tui_rss_ratio": 1.15,
    "key_latency_p95_ms": 33,
}
TERM_SIZE = (160, 50)  # wide: every line of text is written contiguously


def wizard_argv() -> list[str]:
    """This checkout's wizard (run from ROOT), whatever an installed script points at."""
    return [sys.executable, "-m", "tui.cli"]


def median(values):
    return statistics.median(values) if values else None


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def wall(argv: list[str], **kwargs) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        argv,
        check=False,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=ROOT,
        **kwargs,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{argv} exited {done.returncode}: {done.stderr[-2000:]}")
    return elapsed


class Boxes:
    """Fresh sandboxes under one temporary directory, all stopped at the end."""

    def __init__(self):
        self.base = Path(tempfile.mkdtemp(prefix="qw-bench-"))
        self.made: list[Sandbox] = []

    def new(self, pace: float = PACE, boot: bool = True) -> Sandbox:
        box = Sandbox.create(self.base / f"sb{len(self.made)}", pace=pace)
        self.made.append(box)
        if boot:
            box.exec(["true"])  # boot it now, outside every timing
        else:
            box.stop()  # creating it may have booted it
        return box

    def close(self) -> None:
        for box in self.made:
            try:
                box.stop()
            except Exception as exc:  # keep stopping the others
                print(f"stopping {box.paths.base}: {exc}", file=sys.stderr)
        shutil.rmtree(self.base, ignore_errors=True)


# -- headless start ------------------------------------------------------------------
def bench_headless(pairs: int) -> dict:
    validate = wizard_argv() + ["validate", str(PROFILE)]
    bare = [sys.executable, "-c", "pass"]
    wall(validate), wall(bare)  # warm the page cache
    wizard_s, python_s = [], []
    for _ in range(pairs):
        wizard_s.append(wall(validate))
        python_s.append(wall(bare))
    return {
        "headless_start_ms_over_python": round((median(wizard_s) - median(python_s)) * 1000, 1),
        "validate_ms": round(median(wizard_s) * 1000, 1),
        "python_pass_ms": round(median(python_s) * 1000, 1),
    }


# -- probe ---------------------------------------------------------------------------
def bench_probe(box: Sandbox, repeats: int) -> dict:
    host = SandboxHost(box.paths.base)
    calls: list[str] = []
    for name in ("run", "spawn"):
        original = getattr(host, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        setattr(host, name, counted)
    times = []
    for _ in range(repeats):
        calls.clear()
        started = time.perf_counter()
        probe_module.probe(host)
        times.append(time.perf_counter() - started)
    return {"probe_round_trips": len(calls), "probe_ms": round(median(times) * 1000, 1)}


# -- TUI start and key latency ---------------------------------------------------------
def time_to_marker(argv: list[str], marker: str) -> float:
    term = Terminal(argv, *TERM_SIZE, cwd=str(ROOT))
    try:
        return term.wait_for(marker, timeout=120) - term.started
    finally:
        term.close()


def bench_tui_start(box: Sandbox, pairs: int) -> dict:
    wizard = wizard_argv() + ["--target", f"sandbox:{box.paths.base}"]
    bare = [sys.executable, str(HERE / "bare_app.py")]
    time_to_marker(wizard, WELCOME_MARKER), time_to_marker(bare, BARE_MARKER)  # warm-up
    wizard_s, bare_s = [], []
    for _ in range(pairs):
        wizard_s.append(time_to_marker(wizard, WELCOME_MARKER))
        bare_s.append(time_to_marker(bare, BARE_MARKER))
    ratios = sorted(w / b for w, b in zip(wizard_s, bare_s))
    return {
        "tui_start_ratio": round(median(ratios), 2),
        "tui_start_ratio_range": [round(ratios[0], 2), round(ratios[-1], 2)],
        "tui_start_ms": round(median(wizard_s) * 1000),
        "bare_start_ms": round(median(bare_s) * 1000),
    }


def bench_keys(box: Sandbox, presses: int) -> dict:
    """Tab / shift+Tab between the Mail screen's fields; each press is sent just after
    a cursor-blink repaint, so the next blink (0.5 s later) is not mistaken for it."""
    term = Terminal(
        wizard_argv() + ["--target", f"sandbox:{box.paths.base}"], *TERM_SIZE, cwd=str(ROOT)
    )
    latencies, first_bytes, silent = [], [], 0
    try:
        for marker, key in TO_MAIL:
            term.wait_for(marker, timeout=120)
            if key:
                term.drain(0.3)
                term.press(key)
        term.drain(0.5)
        for i in range(presses):
            term._read(0.7)  # a blink repaint (or nothing when none blinks)
            term.drain(0.03)
            sent = term.press("tab" if i % 2 == 0 else "shift+tab")
            first = term._read(1.0)
            last = term.drain(0.05) or first
            if first is None:
                silent += 1
                continue
            first_bytes.append(first - sent)
            latencies.append(last - sent)
    finally:
        term.close()
    return {
        "key_latency_p95_ms": round(p95(latencies) * 1000, 1) if latencies else None,
        "key_latency_median_ms": round(median(latencies) * 1000, 1) if latencies else None,
        "key_first_byte_p95_ms": round(p95(first_bytes) * 1000, 1) if first_bytes else None,
        "key_presses": presses,
        "key_presses_without_repaint": silent,
    }


# -- apply overhead --------------------------------------------------------------------
def logged_script(box: Sandbox) -> tuple[str, int]:
    """The commands and file writes of ``box``'s apply log, in order, as one sh script;
    files get the content they ended with, tcprules reads its rules file."""
    logs = sorted(box.path("/var/log/qmail-wizard").glob("*.log"))
    host = SandboxHost(box.paths.base)
    lines, commands = [], 0
    for entry in logs[-1].read_text().splitlines():
        if entry.startswith("    |"):
            continue
        _head, _, rest = entry.partition(" ")
        step, _, action = rest.partition("] ")
        if not step.startswith("["):
            continue
        if action.startswith("$ "):
            command = action[2:]
            if command.startswith("tcprules "):
                command += f" < {command.split()[1].removesuffix('.cdb')}"
            lines.append(f"{command} || echo 'bench: exit '$?': {step}]' >&2")
            commands += 1
        elif action.startswith(("edit ", "create ")) and " (mode " in action:
            path = action.split()[1]
            mode = action.split("(mode ")[1].split(",")[0]
            owner = action.split("owner ")[1].split(")")[0]
            text = host.read_text(path)
            mkdir = f"mkdir -p {path.rsplit('/', 1)[0]} && " if action.startswith("create") else ""
            lines.append(
                f"{mkdir}printf '%s' {_quote(text)} > {path} && chown {owner} {path} "
                f"&& chmod {mode} {path}"
            )
            commands += 1
    return "\n".join(lines) + "\n", commands


def bench_apply(boxes: Boxes, pairs: int) -> tuple[dict, Sandbox]:
    wizard_s, script_s, ratios, installed = [], [], [], None
    for _ in range(pairs):
        # one runs at a time, so neither is timed while the other works
        one = boxes.new()
        other = boxes.new(boot=False)
        wizard_s.append(
            wall(
                wizard_argv()
                + ["--target", f"sandbox:{one.paths.base}", "apply", str(PROFILE), "--yes"],
                timeout=900,
            )
        )
        script, actions = logged_script(one)
        one.stop()
        other.exec(["true"])
        argv = container.enter_argv(other.paths, ["/bin/sh", "-c", script])
        started = time.perf_counter()
        done = subprocess.run(
            argv, check=False, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=900
        )
        script_s.append(time.perf_counter() - started)
        if "bench: exit" in done.stderr or done.returncode != 0:
            raise RuntimeError(
                f"the logged script failed on {other.paths.base}:\n{done.stderr[-3000:]}"
            )
        for service in ("qmailsend", "qmailsmtpd"):
            if other.exec([f"/etc/rc.d/{service}", "status"]).returncode != 0:
                raise RuntimeError(f"the logged script left {service} stopped")
        other.stop()
        ratios.append(wizard_s[-1] / script_s[-1])
        installed = installed or one
    return (
        {
            "apply_overhead_ratio": round(median(ratios), 2),
            "apply_wizard_s": round(median(wizard_s), 2),
            "apply_script_s": round(median(script_s), 2),
            "apply_logged_actions": actions,
            "apply_pace": PACE,
        },
        installed,
    )


# -- dashboard idle ---------------------------------------------------------------------
def tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root] + root.children(recursive=True)


def cpu_seconds(pid: int) -> float:
    """CPU of the process tree so far: every live member plus reaped children."""
    total = 0.0
    for proc in tree(pid):
        try:
            t = proc.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        except psutil.NoSuchProcess:
            pass
    return total


def rss_mib(pid: int) -> float:
    total = 0
    for proc in tree(pid):
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def idle_cost(term: Terminal, idle: float) -> tuple[float, float, float, float]:
    """(CPU %, max RSS MiB of the tree, RSS MiB of the process itself, seconds) of
    ``term``'s process tree left idle for ``idle`` s while its pty is drained."""
    cpu_before, started = cpu_seconds(term.pid), time.monotonic()
    samples = []
    while time.monotonic() - started < idle:
        samples.append(rss_mib(term.pid))
        next_sample = time.monotonic() + 1.0
        while time.monotonic() < next_sample:  # keep the pty drained
            term._read(next_sample - time.monotonic())
    cpu = cpu_seconds(term.pid) - cpu_before
    elapsed = time.monotonic() - started
    own = psutil.Process(term.pid).memory_info().rss / 2**20
    return 100 * cpu / elapsed, max(samples), own, elapsed


def bench_dashboard(box: Sandbox, idle: float) -> dict:
    """The Dashboard idle, then the bare app idle the same way (the floor of any
    Textual app on this machine: its input thread wakes 10 times a second)."""
    box.exec(["true"])  # boot it again: /etc/rc starts qmail
    if not DASHBOARD_SCREEN.exists():
        return {
            "dashboard_idle_ratio": None,
            "tui_rss_ratio": None,
            "dashboard_note": "no Dashboard screen in this checkout",
        }
    term = Terminal(
        wizard_argv() + ["--target", f"sandbox:{box.paths.base}"], *TERM_SIZE, cwd=str(ROOT)
    )
    try:
        term.wait_for(DASHBOARD_MARKER, timeout=120)
        term.drain(1.0)
        cpu, rss, own, elapsed = idle_cost(term, idle)
    finally:
        term.close()
    bare = Terminal([sys.executable, str(HERE / "bare_app.py")], *TERM_SIZE, cwd=str(ROOT))
    try:
        bare.wait_for(BARE_MARKER, timeout=60)
        bare.drain(1.0)
        bare_cpu, bare_rss, _own, bare_elapsed = idle_cost(bare, idle)
    finally:
        bare.close()
    # CPU times count in clock ticks: a floor below one tick over the window reads 0.0;
    # the ratio's denominator is then that one tick (the ratio is never null)
    tick_percent = 100 / os.sysconf("SC_CLK_TCK") / bare_elapsed
    return {
        "dashboard_idle_ratio": round(cpu / max(bare_cpu, tick_percent), 2),
        "bare_app_idle_floored_to_one_tick": bare_cpu < tick_percent / 2,  # read 0 ticks
        "tui_rss_ratio": round(rss / bare_rss, 2),
        "dashboard_idle_cpu_percent": round(cpu, 2),
        "bare_app_idle_cpu_percent": round(bare_cpu, 2),
        "tui_rss_mib": round(rss, 1),
        "bare_app_rss_mib": round(bare_rss, 1),
        "wizard_process_rss_mib": round(own, 1),
        "dashboard_idle_s": round(elapsed, 1),
    }


# -- report --------------------------------------------------------------------------------
def verdicts(figures: dict) -> dict:
    return {
        key: (None if figures.get(key) is None else figures[key] <= limit)
        for key, limit in GOALS.items()
    }


def table(figures: dict) -> str:
    met = verdicts(figures)
    rows = [f"{'figure':34} {'value':>10}  {'goal':>8}  verdict"]
    for key, limit in GOALS.items():
        value = figures.get(key)
        verdict = "n/a" if met[key] is None else ("met" if met[key] else "MISSED")
        rows.append(
            f"{key:34} {'null' if value is None else value:>10}  {'<= ' + str(limit):>8}  {verdict}"
        )
    rows.append("")
    rows += [
        f"{key:34} {value}"
        for key, value in figures.items()
        if key not in GOALS and key not in ("goals", "met")
    ]
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    q = args.quick
    started = time.monotonic()
    figures: dict = {
        "machine": f"{os.cpu_count()} cpus, Python {sys.version.split()[0]}",
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "load_avg_1m_at_start": round(os.getloadavg()[0], 2),
    }
    # what an install leaves (pip byte-compiles the package): this machine's Python runs
    # with PYTHONDONTWRITEBYTECODE=1, so without it every start compiles tui/ from source
    compileall.compile_dir(ROOT / "tui", quiet=1)
    boxes = Boxes()
    try:
        figures.update(bench_headless(4 if q else 10))
        box = boxes.new()
        figures.update(bench_probe(box, 3 if q else 5))
        figures.update(bench_tui_start(box, 3 if q else 9))
        figures.update(bench_keys(box, 20 if q else 50))
        apply_figures, installed = bench_apply(boxes, 1 if q else 2)
        figures.update(apply_figures)
        figures.update(bench_dashboard(installed, 10 if q else 20))
    finally:
        boxes.close()
    figures["bench_s"] = round(time.monotonic() - started, 1)
    figures["goals"] = GOALS
    figures["met"] = verdicts(figures)
    print(table(figures))
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
