"""Issue 3: after a full default apply, `undo` restores every file the run wrote byte
for byte and prints each path it restored.

Undo puts back the run's own writes, not the packages: a file the qmail package
created and the run then edited (control/locals, the placeholder aliases) goes back
to the package's content; a file the run created is deleted; a file that was on the
fresh host is as it was, mode and owner included.
"""

from __future__ import annotations

import os

import pytest

from tests.e2e.cli import ROOT, wizard
from tests.e2e.test_faults import (
    DELIVERED,
    RUNTIME,
    assert_backed_up,
    changed_paths,
    last_run,
    manifest,
    packages_alone,
    snapshot,
)

DEFAULT = str(ROOT / "profiles" / "default.yaml")


def ownership(box, path: str) -> tuple[int, int, int]:
    st = os.stat(box.path(path))
    return st.st_mode, st.st_uid, st.st_gid


@pytest.mark.slow
def test_undo_restores_every_file_the_run_wrote(make_sandbox, flavor):
    effect = packages_alone(make_sandbox(flavor, name="packages"))
    pkg_after = effect[1]
    by_packages = changed_paths(*effect)
    box = make_sandbox(flavor)
    fresh = snapshot(box.paths.root)
    owned = {p: ownership(box, p) for p, data in fresh.items() if isinstance(data, bytes)}

    applied = wizard(box, "apply", DEFAULT, "--yes")
    assert applied.returncode == 0, applied.stderr[-3000:]
    run_id = last_run(box)
    assert_backed_up(box, run_id, fresh, snapshot(box.paths.root), effect)
    written = manifest(box, run_id)
    assert {"/etc/rc.conf", "/etc/mailer.conf"} <= written.keys()

    undone = wizard(box, "undo", "--yes")
    assert undone.returncode == 0, undone.stderr
    assert undone.stdout.splitlines() == [f"restored {p}" for p in sorted(written)]
    restored = snapshot(box.paths.root)
    for path in written:
        expected = fresh[path] if path in fresh else pkg_after.get(path)
        assert restored.get(path) == expected, path
    for path in written.keys() & owned.keys():
        assert ownership(box, path) == owned[path], path
    left = sorted(
        p
        for p in changed_paths(fresh, restored)
        if p not in by_packages and not p.startswith(RUNTIME) and not DELIVERED.match(p)
    )  # undo leaves mail where it was delivered
    assert not left, f"still differ from the fresh host after undo: {left}"
