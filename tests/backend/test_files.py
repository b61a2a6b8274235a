"""File editors (tui/backend/files): exact texts, byte-identical preservation of every
unrelated line and comment, idempotence.  Pure functions: no sandbox needed."""

from __future__ import annotations

import difflib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.backend.files import alias, control, mailerconf, mkconf, rcconf, tcprules
from tui.sandbox import mkconf as sim_mkconf
from tui.sandbox.create import DEFAULTS_RC_CONF, MAILER_CONF, RC_CONF
from tui.sandbox.qmail import rules as sim_rules

RC = RC_CONF.format(hostname="mail.example.org")

MK_CONF = """\
# Example /etc/mk.conf file produced by bootstrap-pkgsrc
# Mon Apr  3 10:12:44 UTC 2017

.ifdef BSD_PKG_MK\t# begin pkgsrc settings

PKG_DBDIR=\t\t/var/db/pkg
LOCALBASE=\t\t/usr/pkg
VARBASE=\t\t/var
PKG_TOOLS_BIN=\t\t/usr/pkg/sbin
PKGMANDIR=\t\tman

# local: build everything with these
PKG_DEFAULT_OPTIONS+=\t-x11 inet6
ACCEPTABLE_LICENSES+=\tvim-license \\
\t\t\tlame-license
MAKE_JOBS=\t\t2\t# two cores

.endif\t\t\t# end pkgsrc settings

# local: outside pkgsrc
WRKOBJDIR=/usr/obj
"""


def added_lines(old: str, new: str) -> list[str]:
    """The lines ``new`` adds; fails if it removes or changes any line of ``old``."""
    diff = list(difflib.ndiff(old.splitlines(keepends=True), new.splitlines(keepends=True)))
    assert [d for d in diff if d.startswith("- ")] == []
    return [d[2:] for d in diff if d.startswith("+ ")]


def changed_lines(old: str, new: str) -> list[tuple[str, str]]:
    """(old, new) line pairs of an in-place edit that keeps the line count."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    assert len(a) == len(b)
    return [(x, y) for x, y in zip(a, b) if x != y]


# -- rc.conf ------------------------------------------------------------------------


def test_rcconf_get_reads_the_sandbox_rc_conf_as_sh_does():
    assert rcconf.get(RC, "hostname") == "mail.example.org"
    assert rcconf.get(RC, "sshd") == "YES"  # trailing comment ignored
    assert rcconf.get(RC, "qmailsmtpd_tcpport") is None  # a fresh NetBSD: no qmail line
    assert rcconf.get(RC, "postfix") is None
    assert rcconf.get(DEFAULTS_RC_CONF, "postfix") == "${_rc_d_postfix:-YES}"
    assert rcconf.get(DEFAULTS_RC_CONF, "sshd_flags") == ""  # two assignments a line
    assert rcconf.get(DEFAULTS_RC_CONF, "ntpd_flags") == "-p /var/run/ntpd.pid -g"
    assert rcconf.get(DEFAULTS_RC_CONF, "rc_configured") == "NO"


def test_rcconf_get_quoting_comments_and_effective_assignments():
    text = (
        "a=YES\n"
        'a="NO"   # later wins\n'
        "#a=MAYBE\n"
        "b='x y'\n"
        'c="say \\"hi\\" \\$HOME"\n'
        "d=NO cmd\n"  # prefix of a command: not effective
        "e=1; f=2 # two\n"
        "g=a\\ b\n"
        "if [ -r x ]; then\n\th=in_if\nfi\n"
        "  i=indented\n"
        'j="multi\nline"\n'
    )
    assert rcconf.get(text, "a") == "NO"
    assert rcconf.get(text, "b") == "x y"
    assert rcconf.get(text, "c") == 'say "hi" $HOME'
    assert rcconf.get(text, "d") is None
    assert (rcconf.get(text, "e"), rcconf.get(text, "f")) == ("1", "2")
    assert rcconf.get(text, "g") == "a b"
    assert rcconf.get(text, "h") == "in_if"
    assert rcconf.get(text, "i") == "indented"
    assert rcconf.get(text, "j") == "multi\nline"


def test_rcconf_set_vars_on_the_sandbox_rc_conf_exact_text():
    new = rcconf.set_vars(
        RC,
        {
            "postfix": "NO",
            "qmailsend": "YES",
            "qmailsmtpd": "YES",
            "sshd": "NO",
            "qmailsmtpd_tcpport": "2626",
        },
    )
    assert new == RC.replace(
        "sshd=YES\t\t# local: remote administration", "sshd=NO\t\t# local: remote administration"
    ) + ("\n# qmail-wizard\npostfix=NO\nqmailsend=YES\nqmailsmtpd=YES\nqmailsmtpd_tcpport=2626\n")
    assert rcconf.get(new, "sshd") == "NO"
    assert rcconf.set_vars(new, {"postfix": "NO", "qmailsend": "YES"}) == new


def test_rcconf_set_vars_keeps_every_unrelated_line_and_comment():
    new = rcconf.set_vars(RC, {"postfix": "NO", "qmailqread": "YES"})
    assert added_lines(RC, new) == ["\n", "# qmail-wizard\n", "postfix=NO\n", "qmailqread=YES\n"]
    assert new.startswith(RC)


def test_rcconf_later_additions_join_the_one_block():
    once = rcconf.set_vars(RC, {"postfix": "NO"})
    admin = once + "\n# admin: later\nfoo=bar\n"
    new = rcconf.set_vars(admin, {"qmailsend": "YES", "qmailsmtpd": "YES"})
    assert new == once + "qmailsend=YES\nqmailsmtpd=YES\n" + "\n# admin: later\nfoo=bar\n"
    assert new.count(rcconf.MARKER) == 1


def test_rcconf_set_vars_edits_the_last_effective_assignment_in_place():
    text = "a=NO\n#a=YES\na=\"NO\"\t# mine\nb='old'\nc=x d=y\ne=NO cmd\n"
    new = rcconf.set_vars(text, {"a": "YES", "b": "new value", "d": "z", "e": "YES"})
    assert new == (
        "a=NO\n#a=YES\na=\"YES\"\t# mine\nb='new value'\nc=x d=z\ne=NO cmd\n"
        "\n# qmail-wizard\ne=YES\n"
    )
    assert rcconf.set_vars(new, {"a": "YES", "b": "new value", "d": "z", "e": "YES"}) == new


def test_rcconf_quotes_only_when_needed():
    assert rcconf.quote("YES") == "YES"
    assert rcconf.quote("/usr/pkg/bin/x") == "/usr/pkg/bin/x"
    assert rcconf.quote("") == '""'
    assert rcconf.quote("-p 22") == '"-p 22"'
    assert rcconf.quote('a"b$c`d\\') == '"a\\"b\\$c\\`d\\\\"'
    text = rcconf.set_vars("", {"f": 'a"b$c', "g": ""})
    assert text == '# qmail-wizard\nf="a\\"b\\$c"\ng=""\n'
    assert (rcconf.get(text, "f"), rcconf.get(text, "g")) == ('a"b$c', "")


def test_rcconf_file_without_final_newline_and_bad_input():
    assert rcconf.set_vars("a=1", {"b": "2"}) == "a=1\n\n# qmail-wizard\nb=2\n"
    assert rcconf.set_vars("a=1", {"a": "2"}) == "a=2"
    with pytest.raises(ValueError, match="not a shell variable name"):
        rcconf.set_vars(RC, {"1x": "YES"})
    with pytest.raises(ValueError, match="one line"):
        rcconf.set_vars(RC, {"x": "a\nb"})
    with pytest.raises(ValueError, match=re.escape("rc.conf line 2: unterminated '")):
        rcconf.set_vars("a=1\nb='open\n", {"c": "1"})
    with pytest.raises(ValueError, match=r"line 1: unterminated \$\{"):
        rcconf.get("a=${x:-1\n", "a")


# -- mailer.conf --------------------------------------------------------------------


def test_mailerconf_qmail_map():
    assert mailerconf.QMAIL_MAP() == {
        "sendmail": "/usr/pkg/bin/sendmail",
        "send-mail": "/usr/pkg/bin/sendmail",
        "mailq": "/usr/pkg/bin/qmail-qread",
        "newaliases": "/usr/pkg/bin/newaliases",
        "hoststat": "/usr/pkg/bin/qmail-tcpto",
        "purgestat": "/usr/pkg/bin/qmail-tcpok",
    }
    assert (
        mailerconf.QMAIL_MAP("/opt/pkg/", qread_client=True)["mailq"]
        == "/opt/pkg/bin/qmail-qread-client"
    )


def test_mailerconf_switch_base_file_exact_text():
    assert mailerconf.parse(MAILER_CONF) == dict.fromkeys(
        ("sendmail", "send-mail", "mailq", "newaliases"), mailerconf.POSTFIX_SENDMAIL
    )
    assert mailerconf.selects_postfix(MAILER_CONF)
    new = mailerconf.switch(MAILER_CONF, mailerconf.QMAIL_MAP(qread_client=True))
    assert new == (
        "#\t$NetBSD: mailer.conf,v 1.17 2006/11/01 22:45:48 heas Exp $\n"
        "#\n"
        "# Execute the Postfix sendmail program, named /usr/libexec/postfix/sendmail\n"
        "#\n"
        "sendmail\t/usr/pkg/bin/sendmail\n"
        "send-mail\t/usr/pkg/bin/sendmail\n"
        "mailq\t\t/usr/pkg/bin/qmail-qread-client\n"
        "newaliases\t/usr/pkg/bin/newaliases\n"
        "hoststat\t/usr/pkg/bin/qmail-tcpto\n"
        "purgestat\t/usr/pkg/bin/qmail-tcpok\n"
    )
    assert not mailerconf.selects_postfix(new)
    assert mailerconf.parse(new) == mailerconf.QMAIL_MAP(qread_client=True)
    assert mailerconf.switch(new, mailerconf.QMAIL_MAP(qread_client=True)) == new


def test_mailerconf_switch_matches_the_shipped_example_layout():
    from tui.sandbox.repo import MAILER_CONF as EXAMPLE

    example = EXAMPLE.format(rev="6", mailq="qmail-qread-client")
    body = [line for line in example.splitlines(keepends=True) if not line.startswith("#")]
    assert mailerconf.switch("", mailerconf.QMAIL_MAP(qread_client=True)) == "".join(body)
    assert mailerconf.switch(example, mailerconf.QMAIL_MAP(qread_client=True)) == example


def test_mailerconf_switch_keeps_comments_duplicates_and_other_programs():
    text = (
        "# local header\n"
        "sendmail\t/usr/libexec/postfix/sendmail\t# was postfix\n"
        "# sendmail /usr/local/sbin/other\n"
        "sendmail\t/usr/sbin/old-duplicate\n"
        "uucp\t/usr/local/bin/uux-wrapper\n"
        "mailq\t\t/usr/pkg/bin/qmail-qread"
    )  # no final newline
    new = mailerconf.switch(
        text,
        {
            "sendmail": "/usr/pkg/bin/sendmail",
            "mailq": "/usr/pkg/bin/qmail-qread",
            "hoststat": "/usr/pkg/bin/qmail-tcpto",
        },
    )
    assert new == (
        "# local header\n"
        "sendmail\t/usr/pkg/bin/sendmail\t# was postfix\n"
        "# sendmail /usr/local/sbin/other\n"
        "sendmail\t/usr/sbin/old-duplicate\n"
        "uucp\t/usr/local/bin/uux-wrapper\n"
        "mailq\t\t/usr/pkg/bin/qmail-qread\n"
        "hoststat\t/usr/pkg/bin/qmail-tcpto\n"
    )
    assert mailerconf.parse(new)["sendmail"] == "/usr/pkg/bin/sendmail"
    with pytest.raises(ValueError, match="single words"):
        mailerconf.switch(text, {"sendmail": "/usr/pkg/bin/send mail"})


# -- mk.conf ------------------------------------------------------------------------


def test_mkconf_get_reads_make_assignments():
    assert mkconf.get(MK_CONF, "PKG_DBDIR") == "/var/db/pkg"
    assert mkconf.get(MK_CONF, "MAKE_JOBS") == "2"
    assert mkconf.get(MK_CONF, "ACCEPTABLE_LICENSES") == "vim-license lame-license"
    assert mkconf.get(MK_CONF, "PKG_OPTIONS.qmail") is None
    text = (
        "A=1\nA+=2\nA?=3\nB?=x\nB?=y\nC=\\#not a comment # comment\n"
        ".ifndef BSD_PKG_MK\nD=outside\n.else\nF=inside\n.endif\nE!=echo hi\n"
        ".ifdef BSD_PKG_MK\n.elif 1\nG=never\n.endif\n"
        ".if ${OPSYS} == NetBSD\nH=unknown\n.else\nH=also_counts\n.endif\n"
    )
    assert mkconf.get(text, "A") == "1 2"
    assert mkconf.get(text, "B") == "x"
    assert mkconf.get(text, "C") == "#not a comment"
    assert mkconf.get(text, "D") is None
    assert mkconf.get(text, "E") is None
    assert mkconf.get(text, "F") == "inside"
    assert mkconf.get(text, "G") is None
    assert mkconf.get(text, "H") == "also_counts"


def test_mkconf_set_vars_inserts_inside_the_bsd_pkg_mk_block_exact_text():
    values = {
        "PKG_OPTIONS.qmail": "qmail-srs -qmail-realrcptto",
        "QMAIL_DAEMON_USER": "smtpd",
        "QMAIL_QMAIL_GROUP": "qmail",
    }
    new = mkconf.set_vars(MK_CONF, values)
    assert new == MK_CONF.replace(
        "MAKE_JOBS=\t\t2\t# two cores\n",
        "MAKE_JOBS=\t\t2\t# two cores\n"
        "PKG_OPTIONS.qmail=\tqmail-srs -qmail-realrcptto\n"
        "QMAIL_DAEMON_USER=\tsmtpd\n"
        "QMAIL_QMAIL_GROUP=\tqmail\n",
    )
    assert mkconf.set_vars(new, values) == new
    parsed = sim_mkconf.parse(new, sim_mkconf.PKGSRC_CONTEXT)  # the sandbox's make agrees
    assert parsed["PKG_OPTIONS.qmail"] == "qmail-srs -qmail-realrcptto"
    assert parsed["QMAIL_DAEMON_USER"] == "smtpd"
    assert parsed["PKG_DEFAULT_OPTIONS"] == "-x11 inet6"


def test_mkconf_set_vars_edits_the_last_plain_assignment_in_place():
    text = MK_CONF.replace("MAKE_JOBS=", "PKG_OPTIONS.qmail=\ttls\t# mine\nMAKE_JOBS=")
    text = "PKG_OPTIONS.qmail=\told\n" + text
    new = mkconf.set_vars(text, {"PKG_OPTIONS.qmail": "qmail-srs", "MAKE_JOBS": "4"})
    assert changed_lines(text, new) == [
        ("PKG_OPTIONS.qmail=\ttls\t# mine\n", "PKG_OPTIONS.qmail=\tqmail-srs\t# mine\n"),
        ("MAKE_JOBS=\t\t2\t# two cores\n", "MAKE_JOBS=\t\t4\t# two cores\n"),
    ]
    assert mkconf.get(new, "PKG_OPTIONS.qmail") == "qmail-srs"


def test_mkconf_append_after_plus_equals_drops_nothing():
    text = "PKG_OPTIONS.qmail=\ttls\nPKG_OPTIONS.qmail+=\tsasl\n"
    new = mkconf.set_vars(text, {"PKG_OPTIONS.qmail": "qmail-srs"})
    assert new == text + "PKG_OPTIONS.qmail=\tqmail-srs\n"
    assert mkconf.get(new, "PKG_OPTIONS.qmail") == "qmail-srs"
    assert mkconf.set_vars(new, {"PKG_OPTIONS.qmail": "qmail-srs"}) == new


def test_mkconf_without_wrapper_appends_and_escapes_hash():
    assert mkconf.set_vars("", {"QMAIL_LOG_USER": "maillog"}) == "QMAIL_LOG_USER=\tmaillog\n"
    text = "# my mk.conf\nCFLAGS+=-O2"  # no final newline
    new = mkconf.set_vars(text, {"X": "a#b", "Y": ""})
    assert new == "# my mk.conf\nCFLAGS+=-O2\nX=\ta\\#b\nY=\n"
    assert (mkconf.get(new, "X"), mkconf.get(new, "Y")) == ("a#b", "")
    assert sim_mkconf.parse(new)["X"] == "a#b"
    with pytest.raises(ValueError, match="not a make variable name"):
        mkconf.set_vars(text, {"A B": "x"})
    with pytest.raises(ValueError, match="white space"):
        mkconf.set_vars(text, {"X": " padded"})


def test_mkconf_remove_vars_deletes_only_plain_assignments():
    new = mkconf.set_vars(MK_CONF, {"QMAIL_DAEMON_USER": "smtpd", "PKG_OPTIONS.qmail": "qmail-srs"})
    admin = new.replace("WRKOBJDIR", "QMAIL_DAEMON_USER+=\textra\nWRKOBJDIR")
    assert mkconf.remove_vars(admin, ["QMAIL_DAEMON_USER", "PKG_OPTIONS.qmail"]) == MK_CONF.replace(
        "WRKOBJDIR", "QMAIL_DAEMON_USER+=\textra\nWRKOBJDIR"
    )
    assert mkconf.remove_vars(MK_CONF, ["QMAIL_DAEMON_USER"]) == MK_CONF
    multi = "A=\t1 \\\n\t2\nB=3\n"
    assert mkconf.remove_vars(multi, {"A"}) == "B=3\n"


# -- control files ------------------------------------------------------------------


def test_control_reading_follows_control_c():
    assert control.value("mail.example.org  \t\n# not a comment here\n") == "mail.example.org"
    assert control.value("# first line is the value\n") == "# first line is the value"
    assert control.value("") == ""
    assert control.lines("# comment\n\nexample.org \t\n  \n mail.example.org\n#x\nlast") == [
        "example.org",
        " mail.example.org",
        "last",
    ]
    assert control.virtualdomains(
        "# v\nvirt.example.net:alias-virt\nbad\nsrs.example.org:srs\n"
    ) == {"virt.example.net": "alias-virt", "srs.example.org": "srs"}


def test_control_render_value_keeps_the_lines_after_the_first():
    old = "20\n# This file was auto-generated by pkgsrc.\n"
    assert control.render_value("20", old) is old
    assert control.render_value("40", old) == "40\n# This file was auto-generated by pkgsrc.\n"
    assert control.render_value("./Maildir/", "./Mailbox  \n") == "./Maildir/\n"
    assert control.render_value("./Mailbox  ".strip(), "./Mailbox  \n") == "./Mailbox  \n"
    assert control.render_value("mail.example.org") == "mail.example.org\n"
    with pytest.raises(ValueError, match="one non-empty line"):
        control.render_value("a\nb")


def test_control_render_list_keeps_comments_and_entries_in_place():
    old = (
        "# rcpthosts: every domain we accept mail for\n"
        "mail.example.org\n"
        "# old domain, remove in 2021\n"
        "old.example.org\n"
        "\n"
        "example.org   \n"
    )
    new = control.render_list(
        ["mail.example.org", "lists.example.org", "example.org", "new.example.org"], old
    )
    assert new == (
        "# rcpthosts: every domain we accept mail for\n"
        "mail.example.org\n"
        "# old domain, remove in 2021\n"
        "\n"
        "lists.example.org\n"
        "example.org   \n"
        "new.example.org\n"
    )
    assert control.lines(new) == [
        "mail.example.org",
        "lists.example.org",
        "example.org",
        "new.example.org",
    ]
    assert control.render_list(control.lines(new), new) is new


def test_control_render_list_fresh_reordered_and_empty():
    assert (
        control.render_list(["example.org", "mail.example.org"])
        == "example.org\nmail.example.org\n"
    )
    assert (
        control.render_list(["example.org", "mail.example.org"], "mail.example.org\n")
        == "example.org\nmail.example.org\n"
    )
    old = "# top\nb\n# mid\na"
    assert control.render_list(["a", "b"], old) == "# top\n# mid\na\nb\n"
    assert control.render_list(["a", "a", "b"], "a\na\n") == "a\nb\n"
    assert control.render_list([], "# keep\nexample.org\n") == "# keep\n"
    with pytest.raises(ValueError, match="comment"):
        control.render_list(["#x"], "")


def test_control_render_virtualdomains():
    old = "# virtual domains\nVirt.Example.NET:alias-virt\nold.example.net:old\n"
    new = control.render_virtualdomains(
        {"virt.example.net": "alias-virt", "srs.example.org": "srs"}, old
    )
    assert new == "# virtual domains\nVirt.Example.NET:alias-virt\nsrs.example.org:srs\n"
    again = control.render_virtualdomains({"virt.example.net": "other"}, new)
    assert again == "# virtual domains\nvirt.example.net:other\n"
    assert control.render_virtualdomains(control.virtualdomains(new), new) is new
    assert control.render_virtualdomains({}, "") == ""
    with pytest.raises(ValueError, match="not a domain"):
        control.render_virtualdomains({"a:b": "c"})


# -- dot-qmail files ----------------------------------------------------------------


def test_alias_placeholders_and_targets():
    assert alias.is_placeholder(alias.PLACEHOLDER)
    assert alias.is_placeholder("# one\n# two\n")
    assert alias.is_placeholder("\n")  # blank first line: deferred
    assert alias.is_placeholder("\n&admin\n")
    assert alias.is_placeholder("+list\n")
    assert not alias.is_placeholder("")  # empty: default delivery
    assert not alias.is_placeholder("# forward\n&admin\n")
    assert alias.targets(
        "# c\n&admin\nroot@example.org  \n./Maildir/\n\n"
        "/var/mail/x\n|/usr/pkg/bin/srsfilter\n+list\n"
    ) == [
        ("forward", "admin"),
        ("forward", "root@example.org"),
        ("maildir", "./Maildir/"),
        ("mbox", "/var/mail/x"),
        ("program", "/usr/pkg/bin/srsfilter"),
    ]
    assert alias.targets("&admin") == [alias.Target("forward", "admin")]


def test_alias_render_forward():
    assert alias.render_forward("admin") == "&admin\n"
    assert alias.render_forward("hostmaster@example.org") == "&hostmaster@example.org\n"
    assert alias.targets(alias.render_forward("admin")) == [("forward", "admin")]
    for bad in ("", "a b", "&admin", "|prog", "./Maildir/", "x\n"):
        with pytest.raises(ValueError, match="not an address"):
            alias.render_forward(bad)


# -- tcprules -----------------------------------------------------------------------


def test_tcprules_parse_matches_tcprules_syntax():
    text = (
        "# comment\n"
        '127.:allow,RELAYCLIENT=""\n'
        "10.0.0.1-5:deny\n"
        "\n"
        "=.example.org:allow,QMAILQUEUE='/usr/pkg/bin/qmail-qfilter x',X=\"a,b\"\n"
        "not a rule line\n"
        "::1:allow\n"
        ":allow\n"
    )
    assert tcprules.parse(text) == [
        ("127.", "allow", {"RELAYCLIENT": ""}),
        ("10.0.0.1-5", "deny", {}),
        ("=.example.org", "allow", {"QMAILQUEUE": "/usr/pkg/bin/qmail-qfilter x", "X": "a,b"}),
        ("::1", "allow", {}),
        ("", "allow", {}),
    ]
    for line in tcprules.parse(text):  # the sandbox's tcprules reads the same
        rendered = tcprules.render_rule(line)
        assert tcprules.parse(rendered) == [line]
        assert sim_rules.parse_line(rendered)
    with pytest.raises(tcprules.RulesError, match=r"line 2: .*'1\.2\.3\.:allow,X'"):
        tcprules.parse("# ok\n1.2.3.:allow,X\n")


def test_tcprules_relay_everyone():
    assert tcprules.relay_everyone(':allow,RELAYCLIENT=""\n')
    assert tcprules.relay_everyone('127.:allow,RELAYCLIENT=""\n=:allow,RELAYCLIENT="@x"\n')
    assert tcprules.relay_everyone('0-255.:allow,RELAYCLIENT=""\n')
    assert not tcprules.relay_everyone('127.:allow,RELAYCLIENT=""\n:allow\n')
    assert not tcprules.relay_everyone(':deny,RELAYCLIENT=""\n')
    assert not tcprules.grants_everyone(tcprules.Rule("0-254.", "allow", {"RELAYCLIENT": ""}))
    with pytest.raises(ValueError, match="open relay"):
        tcprules.render([""], "")
    with pytest.raises(ValueError, match="open relay"):
        tcprules.render(["="], "")


def test_tcprules_render_fresh_and_pkgsrc_default():
    assert tcprules.render(["127."]) == '127.:allow,RELAYCLIENT=""\n:allow\n'
    default = '127.:allow,RELAYCLIENT=""\n'
    assert tcprules.render(["127."], default) == default + ":allow\n"
    done = tcprules.render(["127.", "10.1."], default)
    assert done == '127.:allow,RELAYCLIENT=""\n10.1.:allow,RELAYCLIENT=""\n:allow\n'
    assert tcprules.render(["127.", "10.1."], done) == done


def test_tcprules_render_keeps_the_admins_rules_in_order():
    old = (
        "# tcp.smtp: local rules\n"
        "192.0.2.7:deny\n"
        '127.:allow,RELAYCLIENT="",QMAILQUEUE="/usr/pkg/bin/qmail-qfilter"\n'
        '10.9.:allow,RELAYCLIENT=""\n'
        '172.16.:allow,RELAYCLIENT="",RBLSMTPD=""\n'
        '10.1.:allow,QMAILQUEUE="/usr/pkg/bin/spamq"\n'
        "198.51.100.:deny\n"
        "# everyone else\n"
        ':allow,QMAILQUEUE="/usr/pkg/bin/qmail-qfilter"\n'
    )
    new = tcprules.render(["127.", "10.1.", "198.51.100.", "192.168.5."], old)
    assert new == (
        "# tcp.smtp: local rules\n"
        "192.0.2.7:deny\n"
        '127.:allow,RELAYCLIENT="",QMAILQUEUE="/usr/pkg/bin/qmail-qfilter"\n'
        '172.16.:allow,RBLSMTPD=""\n'
        '10.1.:allow,QMAILQUEUE="/usr/pkg/bin/spamq",RELAYCLIENT=""\n'
        '198.51.100.:allow,RELAYCLIENT=""\n'
        '192.168.5.:allow,RELAYCLIENT=""\n'
        "# everyone else\n"
        ':allow,QMAILQUEUE="/usr/pkg/bin/qmail-qfilter"\n'
    )
    assert tcprules.render(["127.", "10.1.", "198.51.100.", "192.168.5."], new) == new
    assert sim_rules.compile_rules(new.splitlines(keepends=True))


def test_tcprules_render_places_new_relay_rules_before_the_first_rule():
    old = "# header\n192.0.2.7:deny\n:deny\n"
    assert (
        tcprules.render(["127."], old)
        == '# header\n127.:allow,RELAYCLIENT=""\n192.0.2.7:deny\n:deny\n'
    )
    assert (
        tcprules.render(["127."], "# only comments")
        == '# only comments\n127.:allow,RELAYCLIENT=""\n:allow\n'
    )
    assert tcprules.render([], ':allow,RELAYCLIENT=""\n') == ":allow\n"


def test_tcprules_render_gives_everyone_starttls_under_sslserver():
    """qmail-run's tcprules-smtp (2019+): 127. relays, everyone else gets UCSPITLS."""
    upstream = '127.:allow,RELAYCLIENT=""\n:allow,UCSPITLS=""\n'
    assert tcprules.render(["127."], upstream, starttls=True) == upstream
    assert tcprules.render([], upstream, starttls=True) == ':allow,UCSPITLS=""\n'
    assert tcprules.render(["127."], "", starttls=True) == upstream
    old = '127.:allow,RELAYCLIENT=""\n:allow,X="1",UCSPITLS="-"\n:allow\n'
    assert tcprules.render(["127."], old, starttls=True) == (
        '127.:allow,RELAYCLIENT=""\n:allow,X="1",UCSPITLS=""\n:allow\n'
    )
    assert tcprules.render([], ':allow,UCSPITLS="!"\n', starttls=True) == ':allow,UCSPITLS="!"\n'
    assert tcprules.render(["127."], ":deny\n", starttls=True).endswith(":deny\n")
    assert tcprules.render(["127."], upstream) == upstream  # without TLS: kept as it is
    assert tcprules.offers_tls(tcprules.parse(upstream)[1])
    assert not tcprules.offers_tls(tcprules.parse(upstream)[0])
    assert not tcprules.offers_tls(tcprules.Rule("", "allow", {"UCSPITLS": "", "DISABLETLS": ""}))


# -- idempotence properties ---------------------------------------------------------

NAMES = st.sampled_from(
    ["postfix", "qmailsend", "qmailsmtpd", "sshd", "hostname", "qmailsmtpd_tcpport", "x_flags"]
)
VALUES = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\0"), max_size=12
)
PREFIXES = st.lists(
    st.from_regex(r"(127\.|10\.[0-9]{1,3}\.|192\.168\.[0-9]\.)", fullmatch=True), max_size=4
)
DOMAINS = st.lists(st.from_regex(r"[a-z]{1,6}\.(org|net)", fullmatch=True), max_size=5)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(NAMES, VALUES, max_size=4), st.dictionaries(NAMES, VALUES, max_size=3))
def test_rcconf_set_vars_is_idempotent_and_reads_back(first, second):
    text = rcconf.set_vars(RC, first)
    once = rcconf.set_vars(text, second)
    assert rcconf.set_vars(once, second) == once
    for var, value in {**first, **second}.items():
        assert rcconf.get(once, var) == second.get(var, value)
    assert once.count(rcconf.MARKER) <= 1
    for line in RC.splitlines(keepends=True):
        if line.startswith("#") or not line.strip():
            assert line in once


@settings(max_examples=50, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["PKG_OPTIONS.qmail", "QMAIL_DAEMON_USER", "MAKE_JOBS", "ACCEPTABLE_LICENSES"]
        ),
        st.from_regex(r"[a-z0-9 #.-]{0,12}", fullmatch=True).map(str.strip),
        max_size=4,
    )
)
def test_mkconf_set_vars_is_idempotent_and_reads_back(values):
    once = mkconf.set_vars(MK_CONF, values)
    assert mkconf.set_vars(once, values) == once
    for var, value in values.items():
        assert mkconf.get(once, var) == value
    for line in MK_CONF.splitlines(keepends=True):
        if line.startswith("#") or line.startswith("."):
            assert line in once


@settings(max_examples=50, deadline=None)
@given(DOMAINS, DOMAINS)
def test_control_render_list_is_idempotent(first, second):
    old = control.render_list(first, "# comment\n" + "".join(d + "\n" for d in first[:2]))
    new = control.render_list(second, old)
    assert control.lines(new) == list(dict.fromkeys(second))
    assert control.render_list(second, new) == new
    assert "# comment\n" in new


@settings(max_examples=40, deadline=None)
@given(PREFIXES, PREFIXES)
def test_tcprules_render_is_idempotent(first, second):
    old = tcprules.render(first, '# c\n192.0.2.1:deny\n10.1.:allow,X="1"\n')
    new = tcprules.render(second, old)
    assert tcprules.render(second, new) == new
    relays = [r.address for r in tcprules.parse(new) if "RELAYCLIENT" in r.env]
    assert sorted(set(relays)) == sorted(set(second))
    assert not tcprules.relay_everyone(new)
    assert "# c\n" in new


def test_editors_end_lines_only_at_newlines_as_sh_and_qmail_do():
    """str.splitlines would also break at \\x1e, \\x0c or \\u2028 (found by the rc.conf
    property): a line holding one is still one line to sh and qmail, kept whole."""
    odd = '# a comment with \x1e, \x0c and \u2028 inside\nfoo="x\x1ey"\n'
    text = rcconf.set_vars(odd, {"qmailsend": "YES"})
    assert text.startswith(odd) and rcconf.get(text, "foo") == "x\x1ey"
    assert rcconf.get(rcconf.set_vars(text, {"foo": "a\x1eb"}), "foo") == "a\x1eb"
    assert control.lines("one\x1etwo\nthree\n") == ["one\x1etwo", "three"]
