"""What the wizard wrote: /var/db/qmail-wizard/written.json (mode 0600).

For every host file apply wrote, the record keeps the sha256 and the text written,
and the run that wrote it.  A later plan compares them with the file as it is now:
a file changed by hand since is "drift" (issue 6), shown as the wizard's version vs
the current one.
"""
from __future__ import annotations

import hashlib
import json

from .hosts import Host
from .lock import STATE_DIR
from .private import make_private_dirs

WRITTEN = f"{STATE_DIR}/written.json"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def parse(text: str | None) -> dict[str, dict]:
    """path -> {"sha256", "text", "run"}; an absent or unreadable record is empty."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    return {path: entry for path, entry in (files or {}).items()
            if isinstance(entry, dict) and isinstance(entry.get("text"), str)}


def changed_by_hand(entry: dict, now: str | None) -> bool:
    """True when the file (``now``; None: deleted) is no longer what the wizard wrote."""
    return now is None or sha256(now) != entry.get("sha256")


def remember(host: Host, updates: dict[str, str | None], run_id: str) -> None:
    """Record ``path -> text`` the wizard just wrote (None: forget the path)."""
    files = parse(host.read_text(WRITTEN)) if host.exists(WRITTEN) else {}
    for path, text in updates.items():
        if text is None:
            files.pop(path, None)
        else:
            files[path] = {"sha256": sha256(text), "run": run_id, "text": text}
    make_private_dirs(host, [STATE_DIR])
    host.write(WRITTEN, json.dumps({"version": 1, "files": files}, indent=1,
                                   sort_keys=True) + "\n", mode=0o600)
