"""pkg_add and pkg_info inside a fresh sandbox: messages, exit codes, files (facts §7.2-7.3)."""

from __future__ import annotations

import stat

import yaml

from tui.sandbox.flavors import FLAVORS
from tui.sandbox.repo import build_package

QMAIL = {"2017Q1": "qmail-1.03nb27", "2020Q2": "qmail-1.03nb48"}
DEFAULTS = {
    "2017Q1": "djbware-errno-hack qmail-bigdns qmail-netqmail qmail-realrcptto",
    "2020Q2": "eai qmail-customerror qmail-srs syncdir tls",
}
USERS = ["alias", "qmaild", "qmaill", "qmailp", "qmailq", "qmailr", "qmails"]


def set_faults(box, *entries):
    box.paths.faults_file.write_text(yaml.safe_dump({"faults": list(entries)}))


def test_nothing_installed_yet(sandbox):
    assert sandbox.exec(["pkg_info", "-e", "qmail"]).returncode == 1
    listing = sandbox.exec(["pkg_info"]).stdout
    assert listing.startswith("pkgin-")
    assert "Apt / yum like tool" in listing


def test_not_found(sandbox):
    result = sandbox.exec(["pkg_add", "nosuchpkg"])
    assert result.returncode == 1
    assert result.stderr == "pkg_add: no pkg found for 'nosuchpkg', sorry.\n"


def test_qmail_with_dependencies(sandbox):
    flavor = sandbox.config["flavor"]
    qmail = QMAIL[flavor]
    result = sandbox.exec(["pkg_add", "-v", "qmail"])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    lines = out.splitlines()
    order = [
        f"Running install with PRE-INSTALL for {qmail}.",
        "bin/qmail-send",
        f"Running install with POST-INSTALL for {qmail}.",
        f"Package {qmail} registered in /var/db/pkg/{qmail}",
    ]
    assert [lines.index(line) for line in order] == sorted(lines.index(line) for line in order)
    assert "Life with qmail" in out.split(order[-1])[1]  # +DISPLAY after
    assert out.index("registered in /var/db/pkg/daemontools-") < out.index(order[0])
    assert f"{qmail}: Creating user ``qmaild''" in out
    passwd = sandbox.read("/etc/passwd")
    for user in USERS:
        assert f"\n{user}:*:" in passwd
    assert ":/var/qmail/alias:/sbin/nologin" in passwd
    group = sandbox.read("/etc/group")
    assert "\nqmail:*:" in group and "\nnofiles:*:" in group
    assert (
        sandbox.exec(["pkg_info", "-Q", "PKG_OPTIONS", "qmail"]).stdout == DEFAULTS[flavor] + "\n"
    )
    assert sandbox.exec(["pkg_info", "-Q", "QMAIL_DAEMON_USER", "qmail"]).stdout == "qmaild\n"
    repo = FLAVORS[flavor].repo_dir
    assert (
        sandbox.exec(["pkg_info", "-Q", "PKG_OPTIONS", f"{repo}/{qmail}.tgz"]).stdout
        == DEFAULTS[flavor] + "\n"
    )
    assert sandbox.exec(["pkg_info", "-e", "qmail"]).stdout == f"{qmail}\n"
    # /var/qmail symlinks, queue layout and owners, setuid qmail-queue
    assert sandbox.exec(["readlink", "/var/qmail/queue"]).stdout == "/var/spool/qmail\n"
    trigger = sandbox.path("/var/spool/qmail/lock/trigger").lstat()
    assert stat.S_ISFIFO(trigger.st_mode) and stat.S_IMODE(trigger.st_mode) == 0o622
    owners = sandbox.sh(
        "stat -c '%U:%G %a' /var/spool/qmail /var/spool/qmail/mess/22 "
        "/var/spool/qmail/info/0 /usr/pkg/bin/qmail-queue"
    ).stdout.split("\n")
    assert owners[:4] == [
        "qmailq:qmail 750",
        "qmailq:qmail 750",
        "qmails:qmail 700",
        "qmailq:qmail 4755",
    ]
    # dependency records
    deps = sandbox.sh(
        "cat /var/db/pkg/daemontools-*/+INSTALLED_INFO /var/db/pkg/daemontools-*/+REQUIRED_BY"
    ).stdout
    assert deps == f"automatic=yes\n{qmail}\n"
    assert sandbox.exec(["pkg_info", "-u"]).stdout.count("\n") == 2  # pkgin, qmail
    assert "automatic=yes" in sandbox.exec(["pkg_info", "-B", "daemontools"]).stdout
    # again: already recorded (success); a dependency named by hand: marked manual
    again = sandbox.exec(["pkg_add", "qmail"])
    assert (again.returncode, again.stderr) == (
        0,
        f"pkg_add: package `{qmail}' already recorded as installed\n",
    )
    dep = sandbox.exec(["pkg_add", "daemontools"])
    assert dep.returncode == 0
    assert "was already installed as dependency, now marked as installed manually" in dep.stderr


def test_var_qmail_not_empty_refused(sandbox):
    sandbox.sh("mkdir -p /var/qmail/control")
    result = sandbox.exec(["pkg_add", "qmail"])
    assert result.returncode == 1
    assert (
        "ERROR: /var/qmail exists and is non-empty.\n"
        "Please remove or rename it, then try again.\n" in result.stdout
    )
    assert "pkg_add: install script returned error status\n" in result.stderr
    assert sandbox.exec(["pkg_info", "-e", "qmail"]).returncode == 1
    assert sandbox.exec(["pkg_info", "-e", "daemontools"]).returncode == 0


def test_different_version_and_upgrade(make_sandbox):
    box = make_sandbox("2017Q1")
    assert box.exec(["pkg_add", "qmail"]).returncode == 0
    flavor = FLAVORS["2017Q1"]
    newer = flavor._replace(
        packages=tuple(
            p._replace(version="1.03nb28") if p.base == "qmail" else p for p in flavor.packages
        ),
    )
    build_package(box.paths.root, newer, "qmail", None, None, box.path("/tmp"))
    result = box.exec(["pkg_add", "/tmp/qmail-1.03nb28.tgz"])
    assert result.returncode == 1
    assert result.stderr == (
        "pkg_add: A different version of qmail-1.03nb28 is already installed: qmail-1.03nb27\n"
    )
    upgrade = box.exec(["pkg_add", "-u", "-v", "/tmp/qmail-1.03nb28.tgz"])
    assert upgrade.returncode == 0, upgrade.stderr
    assert "pkg_delete -K /var/db/pkg 'qmail-1.03nb27'" in upgrade.stdout
    assert box.exec(["pkg_info", "-e", "qmail"]).stdout == "qmail-1.03nb28\n"
    assert box.sh("cat /var/db/pkg/daemontools-*/+REQUIRED_BY").stdout == "qmail-1.03nb28\n"


def test_faults(make_sandbox):
    box = make_sandbox("2020Q2")
    set_faults(box, {"kind": "missing-package", "package": "qmail", "times": 1})
    missing = box.exec(["pkg_add", "qmail"])
    assert (missing.returncode, missing.stderr) == (
        1,
        "pkg_add: no pkg found for 'qmail', sorry.\n",
    )
    set_faults(box, {"kind": "network-failure", "package": "qmail", "at_percent": 40, "times": 1})
    broken = box.exec(["pkg_add", "qmail"])
    assert broken.returncode == 1
    assert "Connection reset by peer" in broken.stderr
    assert "(25%)" in broken.stdout and "(100%)" not in broken.stdout.split("qmail-1.03")[1]
    assert box.exec(["pkg_info", "-e", "qmail"]).returncode == 1
    assert not box.path("/var/qmail").exists()
    set_faults(box, {"kind": "install-script-failure", "package": "qmail", "times": 1})
    failing = box.exec(["pkg_add", "qmail"])
    assert failing.returncode == 1
    assert failing.stderr.endswith("pkg_add: install script returned error status\n")
    assert box.exec(["pkg_info", "-e", "qmail"]).returncode == 1
    set_faults(box)
    assert box.exec(["pkg_add", "qmail"]).returncode == 0


def test_qmail_run_with_rc_scripts(sandbox):
    flavor = sandbox.config["flavor"]
    qmail = QMAIL[flavor]
    result = sandbox.exec(["pkg_add", "-v", "qmail-run"], env={"PKG_RCD_SCRIPTS": "YES"})
    assert result.returncode == 0, result.stderr
    assert f"Package {qmail} registered in /var/db/pkg/{qmail}\n" in result.stdout
    run = FLAVORS[flavor].package("qmail-run").pkgname
    assert (
        f"{run}: copying /usr/pkg/share/examples/rc.d/qmailsend to /etc/rc.d/qmailsend\n"
        in result.stdout
    )
    for script in ("qmail", "qmailsend", "qmailsmtpd", "qmailpop3d", "qmailqread", "qmailofmipd"):
        assert sandbox.path(f"/etc/rc.d/{script}").is_file()
    assert (
        sandbox.exec(["pkg_info", "-Q", "PKG_OPTIONS", "qmail"]).stdout == DEFAULTS[flavor] + "\n"
    )
    control = "/usr/pkg/etc/qmail/control"
    assert sandbox.read(f"{control}/me") == "mail.example.org\n"
    assert sandbox.read(f"{control}/defaultdomain") == "example.org\n"
    assert sandbox.read(f"{control}/rcpthosts") == "mail.example.org\n"
    assert (
        sandbox.read(f"{control}/defaultdelivery")
        == "./Mailbox\n# This file was auto-generated by pkgsrc.\n"
    )
    smtp = "/usr/pkg/etc/qmail/tcp.smtp" if flavor == "2017Q1" else f"{control}/tcprules/smtp"
    relay = '127.:allow,RELAYCLIENT=""\n'  # 2019+: qmail-run's tcprules-smtp, UCSPITLS
    assert sandbox.read(smtp) == (relay if flavor == "2017Q1" else relay + ':allow,UCSPITLS=""\n')
    assert sandbox.path(smtp + ".cdb").is_file()
    if flavor == "2020Q2":
        defaults = "/usr/pkg/etc/qmail/.pkgsrc-defaults-do-not-edit"
        assert sandbox.read(f"{defaults}/me") == "mail.example.org\n"
        assert (
            sandbox.read("/usr/pkg/etc/qmail/alias/.qmail-root")
            == "# pkgsrc says: replace this comment with your config\n"
        )
    again = sandbox.exec(["pkg_add", "qmail-run"])
    assert again.returncode == 0 and "already recorded as installed" in again.stderr


def test_rc_scripts_not_copied_without_knob(make_sandbox):
    box = make_sandbox("2017Q1")
    result = box.exec(["pkg_add", "qmail-run"])
    assert result.returncode == 0, result.stderr
    assert "The following files should be created for qmail-run-20170406:\n" in result.stdout
    assert (
        "\t/etc/rc.d/qmailsend (m=0755)\n\t    [/usr/pkg/share/examples/rc.d/qmailsend]\n"
        in result.stdout
    )
    assert not box.path("/etc/rc.d/qmailsend").exists()
