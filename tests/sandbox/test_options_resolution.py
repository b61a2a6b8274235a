"""PKG_OPTIONS resolution (bsd.options.mk semantics) and the mk.conf reader."""

from __future__ import annotations

import subprocess

import pytest

from tui.sandbox import mkconf
from tui.sandbox import options as opt
from tui.sandbox.flavors import FLAVORS

Q17 = FLAVORS["2017Q1"].qmail_options
Q20 = FLAVORS["2020Q2"].qmail_options


def test_defaults_of_both_eras():
    assert opt.defaults(Q17) == (
        "djbware-errno-hack",
        "qmail-bigdns",
        "qmail-netqmail",
        "qmail-realrcptto",
    )
    assert opt.defaults(Q20) == ("eai", "qmail-customerror", "qmail-srs", "syncdir", "tls")


def test_package_words_add_and_remove():
    res = opt.resolve(Q17, [], ["qmail-srs", "-qmail-realrcptto"])
    assert res.ok and not res.warnings
    assert res.enabled == ("djbware-errno-hack", "qmail-bigdns", "qmail-netqmail", "qmail-srs")


def test_tls_implies_sasl_in_2017q1_even_against_minus_sasl():
    assert "sasl" in opt.resolve(Q17, [], ["tls", "-sasl"]).enabled
    assert "sasl" not in opt.resolve(Q17, [], ["syncdir"]).enabled


def test_group_member_replaces_the_suggested_one():
    res = opt.resolve(Q17, [], ["qmail-qregex"])
    assert "qmail-qregex" in res.enabled and "qmail-realrcptto" not in res.enabled
    assert res.overridden == {}


def test_two_explicit_group_members_the_last_wins():
    res = opt.resolve(Q17, [], ["qmail-badrcptto", "qmail-qregex"])
    assert res.ok
    assert [o for o in res.enabled if o in Q17.optional_groups["rcpt"]] == ["qmail-qregex"]
    assert res.overridden == {"rcpt": ("qmail-badrcptto",)}


def test_group_member_removed_leaves_none():
    res = opt.resolve(Q17, [], ["-qmail-realrcptto"])
    assert not set(res.enabled) & set(Q17.optional_groups["rcpt"])


def test_specific_beats_default_options():
    assert "tls" not in opt.resolve(Q20, ["-tls"], []).enabled
    assert "tls" in opt.resolve(Q20, ["-tls"], ["tls"]).enabled
    assert "inet6" in opt.resolve(Q20, ["inet6", "x11", "-gtk"], []).enabled


def test_unsupported_package_word_fails_default_word_is_skipped():
    res = opt.resolve(Q17, ["bogus", "-bogus"], [])
    assert res.ok and not res.warnings
    # bsd.options.mk 1.72: one reason for all unsupported names; "-name" only warns
    res = opt.resolve(Q17, [], ["pam", "eai", "-inet6", "eai"])
    assert res.errors == (
        "[bsd.options.mk] The following selected options are not supported: eai pam.",
    )
    assert res.warnings == ("Option inet6 is unsupported, so disabling it has no effect.",)


def test_pre_2017_08_names_are_unsupported_in_2020q2():
    """options.mk 1.69 keeps no compatibility for the options removed in 2017-08."""
    res = opt.resolve(Q20, [], ["qmail-netqmail", "-qmail-realrcptto", "-eai"])
    assert res.errors == (
        "[bsd.options.mk] The following selected options are not supported: qmail-netqmail.",
    )
    assert res.warnings == (
        "Option qmail-realrcptto is unsupported, so disabling it has no effect.",
    )
    assert res.enabled == ("qmail-customerror", "qmail-srs", "syncdir", "tls")


def test_wrap_words_like_the_awk_filter():
    words = ["dbus", "gconf", "gnutls", "gtk3", "svg", "x11", "xaw3d", "xft2", "xml"]
    assert opt.wrap_words(words) == ["\tdbus gconf gnutls gtk3 svg x11 xaw3d xft2", "\txml"]
    assert opt.wrap_words([]) == []


DESCRIPTION_FILE = (
    "qmail-bigdns\t\tPatch to handle oversized responses to MX queries.\n"
    "qmail-realrcptto\tPatch to SMTP-reject nonexistent recipients.\n"
    "odd\t\t  two  spaces\tand a tab \n"
)


@pytest.mark.parametrize("name", ["qmail-bigdns", "qmail-realrcptto", "odd", "missing"])
def test_option_line_is_what_the_shell_makes_of_the_recipe(tmp_path, name):
    """bsd.options.mk: echo "<TAB>"name"<TAB>"`sed -n "s/^"name"<TAB>//p" FILE`."""
    described = tmp_path / "options.description"
    described.write_text(DESCRIPTION_FILE)
    recipe = f'echo "\t"{name}"\t"`sed -n "s/^"{name}"\t//p" {described}`'
    shell = subprocess.run(["/bin/sh", "-c", recipe], capture_output=True, text=True, check=False)
    assert shell.returncode == 0
    assert opt.option_line(name, DESCRIPTION_FILE) + "\n" == shell.stdout


def test_option_line_spacing():
    assert (
        opt.option_line("qmail-bigdns", DESCRIPTION_FILE)
        == "\tqmail-bigdns\t Patch to handle oversized responses to MX queries."
    )
    assert (
        opt.option_line("qmail-realrcptto", DESCRIPTION_FILE)
        == "\tqmail-realrcptto\tPatch to SMTP-reject nonexistent recipients."
    )
    assert opt.option_line("missing", DESCRIPTION_FILE) == "\tmissing\t"


MK_CONF = """\
# Example mk.conf
.ifdef BSD_PKG_MK\t# begin pkgsrc settings
PKG_DEFAULT_OPTIONS=\tinet6
PKG_OPTIONS.qmail=\tqmail-srs \\
\t\t\t-qmail-realrcptto
PKG_OPTIONS.qmail+=\tsyncdir  # more
QMAIL_DAEMON_USER?=\tmydaemon
QMAIL_DAEMON_USER?=\tignored
QMAIL_LOG_USER=\t\t${QMAIL_DAEMON_USER}log
.if ${PKGPATH} == "mail/qmail-run"
PKG_OPTIONS.qmail-run=\tsasl
.elif !empty(PKG_OPTIONS.qmail:Msyncdir) && defined(OPSYS)
SEEN=\t\tyes\\#1
.else
SEEN=\t\tno
.endif
.endif\t\t\t# end pkgsrc settings
"""


def test_mkconf_assignments_conditionals_and_continuations():
    variables = mkconf.parse(MK_CONF, dict(mkconf.PKGSRC_CONTEXT, PKGPATH="mail/qmail"))
    assert mkconf.option_words(variables, "qmail") == (
        ["inet6"],
        ["qmail-srs", "-qmail-realrcptto", "syncdir"],
    )
    assert variables["SEEN"] == "yes#1"
    assert "PKG_OPTIONS.qmail-run" not in variables
    names = mkconf.qmail_vars(variables)
    assert names["QMAIL_DAEMON_USER"] == "mydaemon"
    assert names["QMAIL_LOG_USER"] == "mydaemonlog"
    assert names["QMAIL_SEND_USER"] == "qmails" and names["QMAILDIR"] == "/var/qmail"


def test_mkconf_outside_pkgsrc_defines_nothing():
    assert mkconf.parse(MK_CONF) == {}
