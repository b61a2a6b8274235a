#!/usr/bin/python
"""Ansible module: converge a host on a qmail-wizard profile (check mode: plan)."""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: qmail_wizard
short_description: Make a NetBSD host match a qmail-wizard profile
description:
  - Runs qmail-wizard on the host with C(--target local).
  - Check mode runs C(qmail-wizard plan) on the profile; exit 2 (changes pending) reports
    changed, and the plan (with each file's unified diff) is the task's diff.
  - Otherwise writes the profile to I(dest) and runs C(qmail-wizard apply DEST --yes),
    which leaves the journal, backups and run log of a local apply; changed when the run
    changed something on the host.
options:
  wizard:
    description: Path of the qmail-wizard zipapp on the host.
    type: path
    required: true
  profile:
    description: The profile's YAML text (rendered per host).
    type: str
    required: true
  dest:
    description: Where the host keeps its profile.
    type: path
    required: true
  overwrite_drift:
    description: Write the profile's version of files changed by hand (backed up first).
    type: bool
    default: false
"""

#: root's PATH on NetBSD (/root/.profile): an ssh session's PATH lacks /sbin and /usr/sbin.
ROOT_PATH = (
    "/sbin:/usr/sbin:/bin:/usr/bin:/usr/pkg/sbin:/usr/pkg/bin:/usr/local/sbin:/usr/local/bin"
)
APPLIED = re.compile(r"^Applied .* \(run (\S+)\): changed (.*)\. Log: (\S+)$", re.MULTILINE)


def wizard(module, *args):
    argv = [sys.executable, module.params["wizard"], "--target", "local", *args]
    return module.run_command(argv, environ_update={"PATH": ROOT_PATH, "LC_ALL": "C"})


def complaint(stderr: str) -> str:
    """qmail-wizard's error paragraph (its last 'qmail-wizard:' message)."""
    start = stderr.rfind("qmail-wizard: ")
    return stderr[start:].strip() if start >= 0 else stderr.strip() or "qmail-wizard failed"


def plan(module, path: str) -> tuple[bool, str]:
    """(changes pending, the plan's text) of the profile at ``path``."""
    rc, out, err = wizard(module, "plan", path)
    if rc not in (0, 2):
        module.fail_json(msg=complaint(err), rc=rc, stdout=out, stderr=err)
    lines = [line for line in out.splitlines() if not line.startswith("Apply it with: ")]
    return rc == 2, "\n".join(lines) + "\n"


def check(module) -> None:
    if not os.path.exists(module.params["wizard"]):
        module.exit_json(changed=True, msg="qmail-wizard is not on the host yet: all would change")
    directory = tempfile.mkdtemp(prefix="qmail-wizard-check.")
    try:
        path = os.path.join(directory, os.path.basename(module.params["dest"]))
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(module.params["profile"])
        pending, text = plan(module, path)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    module.exit_json(changed=pending, diff={"prepared": text} if pending else {}, plan=text)


def write_profile(module) -> bool:
    """Write ``dest`` (mode 0600, atomically) unless it already holds the profile."""
    dest, text = module.params["dest"], module.params["profile"]
    try:
        with open(dest, encoding="utf-8") as fh:
            if fh.read() == text:
                return False
    except OSError:
        pass
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dest), prefix=".profile.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o600)
    module.atomic_move(tmp, dest)
    return True


def converge(module) -> None:
    dest = module.params["dest"]
    wrote = write_profile(module)
    result = {}
    if module._diff:
        pending, text = plan(module, dest)
        result["diff"] = {"prepared": text} if pending else {}
    args = ["apply", dest, "--yes"] + ["--overwrite-drift"] * module.params["overwrite_drift"]
    rc, out, err = wizard(module, *args)
    if rc != 0:
        module.fail_json(msg=complaint(err), rc=rc, stdout=out, stderr=err, **result)
    found = APPLIED.search(out)
    if found is None:
        module.fail_json(msg="qmail-wizard apply gave no summary line", stdout=out, stderr=err)
        return
    run_id, changes, log = found.groups()
    changed = not changes.startswith("nothing")
    module.exit_json(
        changed=changed or wrote,
        run=run_id,
        changes=changes.split(", ") if changed else [],
        log=log,
        stdout=out,
        stderr=err,
        **result,
    )


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            wizard=dict(type="path", required=True),
            profile=dict(type="str", required=True),
            dest=dict(type="path", required=True),
            overwrite_drift=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    if module.check_mode:
        check(module)
    else:
        converge(module)


if __name__ == "__main__":
    main()
