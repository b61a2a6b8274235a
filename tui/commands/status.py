"""``qmail-wizard status``: the services, the queue and the mail log, once or --watch."""

from __future__ import annotations

import json
import os
import sys
import time

from ..backend.hosts import Host, HostError
from ..backend.session import Session
from ..backend.status_text import render_text
from ..backend.vis import vis

RC_CHECK_EVERY = 5.0  # seconds between rc.d checks while watching
CLEAR = "\033[H\033[2J"


def cmd_status(host: Host, fmt: str, watch: float | None, target: str) -> int:
    reader = Session(host).status_reader()
    try:
        if watch is None:
            _show(reader.read(), fmt, target, None)
            return 0
        last_check = 0.0
        while True:
            started = time.monotonic()
            rc_check = started - last_check >= RC_CHECK_EVERY
            if rc_check:
                last_check = started
            _show(reader.read(rc_check=rc_check), fmt, target, watch)
            time.sleep(max(0.0, watch - (time.monotonic() - started)))
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:  # e.g. piped into head
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except HostError as exc:
        print(vis(f"qmail-wizard: status: {exc}"), file=sys.stderr)
        return 1


def _show(status, fmt: str, target: str, watch: float | None) -> None:
    if fmt == "json":
        # watching: one object per line
        print(json.dumps(status.to_json(), indent=None if watch else 2), flush=True)
        return
    text = vis(render_text(status), keep_newlines=True)  # the mail log is anyone's text
    if watch is not None:
        when = time.strftime("%H:%M:%S", time.localtime(status.taken_at))
        text = f"qmail status of {target} at {when} (every {watch:g} s; Ctrl+C stops)\n\n" + text
        if sys.stdout.isatty():
            text = CLEAR + text
    sys.stdout.write(text + ("\n" if watch is not None and not sys.stdout.isatty() else ""))
    sys.stdout.flush()
