"""``qmail-wizard export ansible PROFILE --out DIR``: the profile as an Ansible playbook."""

from __future__ import annotations

import sys
from pathlib import Path

from ..backend.profile import ProfileError
from ..backend.profile.yamlsrc import SourceError
from .headless import _fail, _load_checked

#: A directory holding this file was written by an export: writing again refreshes it.
MARK = Path("roles") / "qmail_wizard" / "library" / "qmail_wizard.py"


def cmd_export_ansible(path: str, out: Path) -> int:
    from ..export.ansible import export

    try:
        profile = _load_checked(path, None)  # the built-in tables: no host to ask
    except (ProfileError, SourceError) as exc:
        return _fail(str(exc))
    if out.exists() and not out.is_dir():
        return _fail(f"{out} exists and is not a directory: give --out a new or empty directory.")
    if out.is_dir() and any(out.iterdir()) and not (out / MARK).is_file():
        return _fail(
            f"{out} is not empty and holds no earlier export: give --out a new or empty "
            "directory (an earlier export is refreshed in place, your inventory and "
            "host_vars kept)."
        )
    try:
        written = export(profile, out)
    except OSError as exc:
        return _fail(f"cannot write the export to {out}: {exc.strerror or exc}")
    print(f"Exported {path} to {out}/ ({len(written)} files). Run it with:")
    print(f"  ansible-playbook -i INVENTORY {out}/site.yml            # hosts: group 'mail'")
    print(f"  ansible-playbook -i INVENTORY {out}/site.yml --check --diff   # the plan only")
    print(f"See {out}/README.md for the inventory and per-host values.")
    sys.stdout.flush()
    return 0
