"""make in /usr/pkgsrc: show-options, option errors, and a source build honouring mk.conf."""

from __future__ import annotations

from tui.sandbox.flavors import FLAVORS, UNVERIFIED

QMAIL = "/usr/pkgsrc/mail/qmail"
QMAIL_RUN = "/usr/pkgsrc/mail/qmail-run"

SHOW_OPTIONS_2017Q1 = """\
Any of the following general options may be selected:
\tdjbware-errno-hack\tPatch to #include <errno.h> for correctness.
\tqmail-bigdns\t Patch to handle oversized responses to MX queries.
\tqmail-maildiruniq\tPatch to avoid name collisions when PIDs recycle fast.
\tqmail-netqmail\t Patch collection prepared by respected list members.
\tqmail-outgoingip\tPatch to force a particular source IP address.
\tqmail-srs\t Patch to implement Sender Rewriting Scheme with libsrs2.
\tqmail-viruscan\t Patch to SMTP-reject certain types of MIME attachments.
\tsasl\t Enable SASL support.
\tsyncdir\t Force synchronous link() and related syscalls.
\ttls\t Enable TLS support.
At most one of the following rcpt options may be selected:
\tqmail-badrcptto\t Patch to SMTP-reject particular envelope recipients.
\tqmail-qregex\t Patch to SMTP-reject customizable patterns.
\tqmail-rcptcheck\t Patch to SMTP-reject via a script or program.
\tqmail-realrcptto\tPatch to SMTP-reject nonexistent recipients.

These options are enabled by default:
\tdjbware-errno-hack qmail-bigdns qmail-netqmail
\tqmail-realrcptto

These options are currently enabled:
\tdjbware-errno-hack qmail-bigdns qmail-netqmail
\tqmail-realrcptto

You can select which build options to use by setting PKG_DEFAULT_OPTIONS
or PKG_OPTIONS.qmail.
"""

SHOW_OPTIONS_2020Q2 = """\
Any of the following general options may be selected:
\teai\t Enable EAI (Email Address Internationalization) support.
\tinet6\t Enable support for IPv6.
\tpam\t Enable PAM support.
\tqmail-customerror\tPatch to return custom messages from queue filters.
\tqmail-srs\t Patch to implement Sender Rewriting Scheme with libsrs2.
\tsyncdir\t Force synchronous link() and related syscalls.
\ttai-system-clock\t{tai}
\ttls\t Enable TLS support.

These options are enabled by default:
\teai qmail-customerror qmail-srs syncdir tls

These options are currently enabled:
\teai qmail-customerror qmail-srs syncdir tls

You can select which build options to use by setting PKG_DEFAULT_OPTIONS
or PKG_OPTIONS.qmail.
""".format(tai=UNVERIFIED["tai_system_clock_description"])


def make(box, *args, cwd=QMAIL):
    return box.exec(["make", *args], cwd=cwd)


def mkconf(box, text):
    box.path("/etc/mk.conf").write_text(text)


def stop_lines(cwd=QMAIL):
    return "\n".join(UNVERIFIED["make_stop"]).format(cwd=cwd) + "\n"


def test_show_options_2017q1_defaults_then_mkconf(make_sandbox):
    box = make_sandbox("2017Q1")
    result = make(box, "show-options")
    assert (result.returncode, result.stdout, result.stderr) == (0, SHOW_OPTIONS_2017Q1, "")
    mkconf(box, "# local\nPKG_OPTIONS.qmail=\ttls qmail-badrcptto \\\n\tqmail-qregex\n")
    result = make(box, "show-options")
    assert result.stdout.endswith(
        "These options are currently enabled:\n"
        "\tdjbware-errno-hack qmail-bigdns qmail-netqmail\n"
        "\tqmail-qregex sasl tls\n\n"
        "You can select which build options to use by setting PKG_DEFAULT_OPTIONS\n"
        "or PKG_OPTIONS.qmail.\n"
    )
    assert (
        make(box, "show-var", "VARNAME=PKG_OPTIONS").stdout
        == "djbware-errno-hack qmail-bigdns qmail-netqmail qmail-qregex sasl tls\n"
    )
    run = make(box, "show-options", cwd=QMAIL_RUN)
    assert "\tqmail-run-ofmipd\tEnable dependency on mess822 for ofmipd service.\n" in run.stdout
    assert (
        "These options are enabled by default:\n\nThese options are currently enabled:\n\n"
        in run.stdout
    )


def test_show_options_2020q2_and_its_warnings(make_sandbox):
    box = make_sandbox("2020Q2")
    result = make(box, "show-options")
    assert (result.returncode, result.stdout, result.stderr) == (0, SHOW_OPTIONS_2020Q2, "")
    mkconf(box, "PKG_OPTIONS.qmail=\t-qmail-viruscan -eai pam\n")
    result = make(box, "show-options")
    assert result.stdout.endswith(
        "These options are currently enabled:\n"
        "\tpam qmail-customerror qmail-srs syncdir tls\n\n"
        "You can select which build options to use by setting PKG_DEFAULT_OPTIONS\n"
        "or PKG_OPTIONS.qmail.\n\n"
        "Option qmail-viruscan is unsupported, so disabling it has no effect.\n"
    )
    assert (
        make(box, "show-options", cwd=QMAIL_RUN).stdout
        == "This package does not use the options framework.\n"
    )


def test_unsupported_option_and_bad_name_stop_before_anything(make_sandbox):
    box = make_sandbox("2017Q1")
    mkconf(box, "PKG_OPTIONS.qmail=\teai -pam\nQMAIL_DAEMON_USER=\tMy Daemon\n")
    result = make(box, "install")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "ERROR: This package has set PKG_FAIL_REASON:\n"
        "ERROR: [bsd.options.mk] The following selected options are not supported: "
        "eai.\n"
        "ERROR: QMAIL_DAEMON_USER: `My Daemon' is not a valid login name\n" + stop_lines()
    )
    assert not box.path(QMAIL + "/work").exists()
    assert not [p for p in box.path("/var/db/pkg").iterdir() if p.name.startswith("qmail")]
    assert "qmaild" not in box.read("/etc/passwd")


def test_missing_distfile_fails_fetch(make_sandbox):
    box = make_sandbox("2020Q2")
    box.paths.faults_file.write_text("faults:\n  - {kind: missing-package, package: qmail}\n")
    result = make(box, "fetch")
    assert result.returncode == 1
    assert result.stdout.startswith("=> Fetching notqmail-1.07.tar.gz\n=> Total size: ")
    assert (
        "Requesting https://github.com/notqmail/notqmail/releases/download/notqmail-1.07/"
        "notqmail-1.07.tar.gz\nftp: Error retrieving file: `404 Not Found'\n" in result.stdout
    )
    assert result.stderr == (
        "fetch: Unable to fetch expected file notqmail-1.07.tar.gz\n" * 2 + stop_lines()
    )


def test_unknown_target_and_outside_pkgsrc(make_sandbox):
    box = make_sandbox("2017Q1")
    result = make(box, "frobnicate")
    assert (result.returncode, result.stderr) == (
        2,
        f"make: don't know how to make frobnicate. Stop\n\nmake: stopped in {QMAIL}\n",
    )
    result = make(box, "install", cwd="/root")
    assert (result.returncode, result.stderr) == (
        2,
        "make: don't know how to make install. Stop\n\nmake: stopped in /root\n",
    )


def test_source_build_honours_mkconf(make_sandbox):
    box = make_sandbox("2017Q1")
    mkconf(box, "PKG_OPTIONS.qmail=qmail-srs -qmail-realrcptto\nQMAIL_DAEMON_USER=mydaemon\n")
    result = make(box, "install")
    assert result.returncode == 0, result.stderr
    for line in (
        "=> Fetching netqmail-1.06.tar.gz",
        "=> Full dependency queue-fix>=1.4nb1: NOT found",
        "===> Patching for qmail-1.03nb27",
        "=> Applying distribution patch qmail-srs-0.8.patch",
        "===> Configuring for qmail-1.03nb27",
        "./compile qmail-smtpd.c",
        "===> Installing for qmail-1.03nb27",
        "=> Creating binary package /usr/pkgsrc/mail/qmail/work/.packages/qmail-1.03nb27.tgz",
    ):
        assert line + "\n" in result.stdout
    assert "qmail-1.03-realrcptto" not in result.stdout
    pkg_info = box.exec(["pkg_info", "-Q", "PKG_OPTIONS", "qmail"])
    assert pkg_info.returncode == 0, pkg_info.stderr
    assert pkg_info.stdout == "djbware-errno-hack qmail-bigdns qmail-netqmail qmail-srs\n"
    assert box.exec(["pkg_info", "-Q", "QMAIL_DAEMON_USER", "qmail"]).stdout == "mydaemon\n"
    assert "\nmydaemon:" in "\n" + box.read("/etc/passwd")
    again = make(box, "install")
    assert again.returncode == 1
    assert (
        "ERROR: qmail-1.03nb27 is already installed - perhaps an older version?\n" in again.stderr
    )
    run = make(box, "package", cwd=QMAIL_RUN)
    assert run.returncode == 0, run.stderr
    built = f"/usr/pkgsrc/packages/All/{FLAVORS['2017Q1'].package('qmail-run').pkgname}.tgz"
    assert f"=> Creating binary package {built}\n" in run.stdout
    assert box.exec(["pkg_info", "-Q", "QMAIL_DAEMON_USER", built]).stdout == "mydaemon\n"


def test_replace_rebuilds_the_installed_binary_package(make_sandbox):
    box = make_sandbox("2017Q1")
    assert box.exec(["pkgin", "-y", "install", "qmail"]).returncode == 0
    mkconf(box, "PKG_OPTIONS.qmail=\tsyncdir\n")
    result = make(box, "replace")
    assert result.returncode == 0, result.stderr
    assert "===> Replacing for qmail-1.03nb27\n" in result.stdout
    assert (
        box.exec(["pkg_info", "-Q", "PKG_OPTIONS", "qmail"]).stdout
        == "djbware-errno-hack qmail-bigdns qmail-netqmail qmail-realrcptto syncdir\n"
    )
    assert box.exec(["pkg_info", "-e", "syncdir"]).stdout == "syncdir-1.0nb1\n"
