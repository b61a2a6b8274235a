"""pkg_delete and pkgin inside a fresh sandbox (facts §7.4, §7.5, §5.5)."""

from __future__ import annotations

import yaml

QMAIL = {"2017Q1": "qmail-1.03nb27", "2020Q2": "qmail-1.03nb48"}


def test_delete_refused_then_users_left(sandbox):
    qmail = QMAIL[sandbox.config["flavor"]]
    assert sandbox.exec(["pkg_add", "qmail"]).returncode == 0
    refused = sandbox.exec(["pkg_delete", "daemontools"])
    assert refused.returncode == 1
    assert f"is still required by other packages:\n\t{qmail}\n" in refused.stderr
    deleted = sandbox.exec(["pkg_delete", "qmail"])
    assert deleted.returncode == 0, deleted.stderr
    assert (
        f"The following users are no longer being used by {qmail},\n"
        "and they can be removed if no other software is using them:\n"
    ) in deleted.stdout
    assert "\n\talias  qmaild  qmaill  qmailp  qmailq  qmailr\n\tqmails\n" in deleted.stdout
    assert sandbox.exec(["pkg_info", "-e", "qmail"]).returncode == 1
    assert "\nqmaild:*:" in sandbox.read("/etc/passwd")  # users stay
    assert not sandbox.path("/var/qmail/control").is_symlink()  # links removed
    assert not sandbox.path("/usr/pkg/bin/qmail-send").exists()
    assert not sandbox.sh("cat /var/db/pkg/daemontools-*/+REQUIRED_BY").stdout
    missing = sandbox.exec(["pkg_delete", "qmail"])
    assert (missing.returncode, missing.stderr) == (1, "pkg_delete: No package `qmail' installed\n")


def test_pkgin_install_prompt_answered(sandbox):
    qmail = QMAIL[sandbox.config["flavor"]]
    update = sandbox.exec(["pkgin", "update"])
    assert update.returncode == 0 and "processing remote summary (file:///pub/" in update.stdout
    refused = sandbox.exec(["pkgin", "install", "qmail"], input="n\n")
    assert refused.returncode == 1
    assert "calculating dependencies...done.\n" in refused.stdout
    assert refused.stdout.endswith("proceed ? [Y/n] ")
    assert f" {qmail} " in refused.stdout and "packages to be installed (" in refused.stdout
    assert sandbox.exec(["pkg_info", "-e", "qmail"]).returncode == 1
    done = sandbox.exec(["pkgin", "install", "qmail"], input="\n")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert (
        out.index("proceed ? [Y/n] ")
        < out.index("downloading packages...")
        < out.index("installing packages...")
        < out.index(f"installing {qmail}...")
    )
    assert "pkg_install warnings: " in out
    assert sandbox.exec(["pkg_info", "-e", "qmail"]).stdout == f"{qmail}\n"
    assert sandbox.sh("cat /var/db/pkg/daemontools-*/+INSTALLED_INFO").stdout == "automatic=yes\n"
    listing = sandbox.exec(["pkgin", "list"]).stdout
    assert f"\n{qmail}" in listing or listing.startswith(qmail)
    nothing = sandbox.exec(["pkgin", "-y", "install", "qmail"])
    assert nothing.stdout.endswith("nothing to do.\n")


def test_pkgin_not_available_and_faults(make_sandbox):
    box = make_sandbox("2017Q1")
    result = box.exec(["pkgin", "-y", "install", "nosuchpkg"])
    assert result.returncode == 1
    assert result.stdout.endswith("nosuchpkg is not available on the repository\nnothing to do.\n")
    box.paths.faults_file.write_text(
        yaml.safe_dump({"faults": [{"kind": "pkgin-wrong-answer", "times": 1}]})
    )
    wrong = box.exec(["pkgin", "install", "queue-fix"], input="y\n")
    assert wrong.returncode == 1 and wrong.stdout.endswith("proceed ? [Y/n] ")
    assert box.exec(["pkg_info", "-e", "queue-fix"]).returncode == 1
    yes = box.exec(["pkgin", "install", "queue-fix"], input="y\n")
    assert yes.returncode == 0
    removed = box.exec(["pkgin", "-y", "remove", "queue-fix"])
    assert removed.returncode == 0 and "removing queue-fix-1.4nb2..." in removed.stdout
    assert box.exec(["pkg_info", "-e", "queue-fix"]).returncode == 1
    usage = box.exec(["pkgin"])
    assert (usage.returncode, usage.stderr) == (
        1,
        "Usage: pkgin [-cdfFhlnPtvVy] command [package ...]\n",
    )
