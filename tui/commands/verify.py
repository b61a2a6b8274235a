"""``qmail-wizard verify [--format text|json] [--keep-test-message]``: exit 0 when every
check passes, 1 if not."""

from __future__ import annotations

import json
import sys

from ..backend.hosts import Host, HostError
from ..backend.session import Session
from ..backend.verify import render_text, to_json
from ..backend.vis import vis


def cmd_verify(host: Host, fmt: str, keep_test_message: bool = False) -> int:
    try:
        checks = Session(host).verify(keep_test_message=keep_test_message)
    except HostError as exc:
        print(vis(f"qmail-wizard: verify could not read the host: {exc}"), file=sys.stderr)
        return 1
    if fmt == "json":
        sys.stdout.write(json.dumps(to_json(checks), indent=2) + "\n")
    else:
        sys.stdout.write(vis(render_text(checks), keep_newlines=True))
    return 0 if all(check.ok for check in checks) else 1
