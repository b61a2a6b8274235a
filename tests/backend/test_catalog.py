"""The option catalog: built-in eras, word semantics, readers against real sandboxes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.backend import catalog
from tui.backend.catalog import (
    CatalogError,
    builtin,
    from_build_info,
    from_show_options,
)
from tui.backend.hosts import SandboxHost
from tui.backend.probe import probe
from tui.backend.profile import defaults_for, validate
from tui.sandbox import options as sandbox_options
from tui.sandbox.flavors import FLAVORS

QMAIL = "/usr/pkgsrc/mail/qmail"
Q1 = builtin("2017Q1")
Q2 = builtin("2020Q2")


@pytest.mark.parametrize("era", catalog.ERAS)
def test_builtin_eras_match_the_facts(era):
    opts = FLAVORS[era].qmail_options
    cat = builtin(era)
    assert cat.supported == sandbox_options.supported(opts)
    assert cat.defaults == frozenset(sandbox_options.defaults(opts))
    assert cat.groups == opts.optional_groups
    assert cat.implies == opts.implies
    assert cat.source == f"built-in table ({era})"
    # every option of both eras is either offered here or explained
    assert set(cat.supported) | set(cat.removed) == set(catalog.OPTIONS)
    assert not set(cat.supported) & set(cat.removed)
    assert all(cat.descriptions[n] and cat.costs[n] for n in cat.supported)


def test_removed_options_say_what_became_of_them():
    assert Q2.removed["qmail-realrcptto"].startswith(
        "since 2017-08 a program, qmail-rcptcheck-realrcptto, in qmail-rejectutils; "
        "qmail-smtpd calls it via control/rcptchecks"
    )
    for name in (
        "qmail-netqmail",
        "qmail-bigdns",
        "qmail-maildiruniq",
        "qmail-outgoingip",
        "qmail-remote",
        "qmail-rcptcheck",
    ):
        assert Q2.removed[name].startswith("always on since 2017-08")
    assert "qmail-acceptutils" in Q2.removed["sasl"]
    assert Q1.removed["eai"] == (
        "added to pkgsrc later (2017-08); the 2017Q1-era qmail does not offer it."
    )
    assert "libsrs2" in Q1.costs["qmail-srs"]


def test_effective_defaults_groups_and_implications():
    base = {"djbware-errno-hack", "qmail-bigdns", "qmail-netqmail"}
    assert Q1.effective([]) == Q1.defaults == base | {"qmail-realrcptto"}
    assert Q1.effective(["qmail-srs", "-qmail-realrcptto"]) == base | {"qmail-srs"}
    # a group member you add replaces the group's default member
    assert Q1.effective(["qmail-badrcptto"]) == base | {"qmail-badrcptto"}
    assert Q1.effective(["tls"]) == Q1.defaults | {"tls", "sasl"}
    assert Q1.effective(["tls", "-sasl"]) == Q1.defaults | {"tls", "sasl"}
    assert Q2.effective(["-eai", "pam"]) == {
        "pam",
        "qmail-customerror",
        "qmail-srs",
        "syncdir",
        "tls",
    }
    assert not Q1.needs_source_build([])
    assert not Q1.needs_source_build(["qmail-realrcptto", "qmail-bigdns"])
    assert Q1.needs_source_build(["qmail-srs"])
    assert Q2.needs_source_build(["-tls"])


@pytest.mark.parametrize(
    "cat, words, problems",
    [
        (Q1, ["qmail-srs", "-qmail-realrcptto"], []),
        (
            Q1,
            ["tsl"],
            ['unknown option "tsl" (not offered by built-in table (2017Q1)); did you mean "tls"?'],
        ),
        (
            Q1,
            ["qmail-badrcptto", "qmail-qregex"],
            [
                '"qmail-badrcptto" and "qmail-qregex" are both in the pick-one group "rcpt" '
                "(qmail-badrcptto qmail-qregex qmail-rcptcheck qmail-realrcptto): choose at most one"
            ],
        ),
        (
            Q1,
            ["tls", "-sasl"],
            ['"-sasl" has no effect: "tls" turns "sasl" on; remove "-sasl" or also write "-tls"'],
        ),
        (Q1, ["tls", "tls"], ['"tls" is given twice']),
        (Q1, ["syncdir", "-syncdir"], ['"syncdir" and "-syncdir" contradict each other; keep one']),
        (
            Q1,
            ["+tls"],
            ['"+tls": PKG_OPTIONS.qmail has no "+" prefix; write "tls" to turn an option on'],
        ),
        (
            Q1,
            ["tls sasl"],
            [
                "'tls sasl' is not an option word: write a name such as "
                '"qmail-srs", or "-name" to turn a default off'
            ],
        ),
        (
            Q1,
            ["eai"],
            [
                '"eai" is not an option here (built-in table (2017Q1)): added to pkgsrc '
                "later (2017-08); the 2017Q1-era qmail does not offer it."
            ],
        ),
        (
            Q2,
            ["-qmail-realrcptto"],
            [
                '"qmail-realrcptto" is not an option here (built-in table (2020Q2)): since 2017-08 a '
                "program, qmail-rcptcheck-realrcptto, in qmail-rejectutils; qmail-smtpd calls it via "
                "control/rcptchecks. Remove the word: qmail-run installs qmail-rejectutils."
            ],
        ),
        (
            Q2,
            ["xyzzy"],
            [
                'unknown option "xyzzy" (not offered by built-in table (2020Q2)); '
                "supported: eai inet6 pam qmail-customerror qmail-srs syncdir "
                "tai-system-clock tls"
            ],
        ),
    ],
)
def test_check_messages(cat, words, problems):
    assert cat.check(words) == problems


def test_word_problems_point_at_the_word():
    assert [i for i, _ in Q1.word_problems(["tls", "bogus", "-sasl", "tls"])] == [1, 2, 3]


def test_describe_for_help():
    assert Q1.describe("tls").endswith(
        "Costs: builds against security/openssl; in 2020 also ucspi-ssl. "
        "(off by default; turns sasl on)"
    )
    assert "(on by default; pick at most one of the rcpt group)" in Q1.describe("qmail-realrcptto")
    assert Q2.describe("qmail-viruscan").startswith("qmail-viruscan: since 2017-08 a program")


# effective() must give exactly what the simulated make builds (bsd.options.mk).
word = st.sampled_from(sorted(catalog.OPTIONS)).flatmap(lambda n: st.sampled_from([n, f"-{n}"]))


@settings(max_examples=300, deadline=None)
@given(era=st.sampled_from(catalog.ERAS), words=st.lists(word, max_size=8))
def test_effective_agrees_with_bsd_options_mk(era, words):
    cat = builtin(era)
    known = [w for w in words if w.lstrip("-") in cat.supported]
    resolved = sandbox_options.resolve(FLAVORS[era].qmail_options, package_words=known)
    assert cat.effective(words) == frozenset(resolved.enabled)


#: bsd.options.mk's show-options output with both group kinds: a required group (as
#: lang/perl5 has) and qmail's optional rcpt group; option lines are <TAB>name<TAB>, then
#: the description (a space first when options.description aligns it with more tabs).
REAL_FORMAT = """\
Any of the following general options may be selected:
\tdtrace\t Enable DTrace support.
\tqmail-maildiruniq\tPatch to avoid name collisions when PIDs recycle fast.
\tsasl\t Enable SASL support.
\ttls\t Enable TLS support.
Exactly one of the following perlbits options is required:
\t64bitall\t
\t64bitint\t
At most one of the following rcpt options may be selected:
\tqmail-qregex\t Patch to SMTP-reject customizable patterns.
\tqmail-realrcptto\tPatch to SMTP-reject nonexistent recipients.
At least one of the following gui options must be selected:
\tgtk2\t Enable support for GTK2.

These options are enabled by default:
\t64bitint dtrace qmail-realrcptto

These options are currently enabled:
\t64bitint dtrace qmail-qregex sasl tls

You can select which build options to use by setting PKG_DEFAULT_OPTIONS
or PKG_OPTIONS.qmail.
"""


def test_from_show_options_reads_the_real_format():
    cat = from_show_options(REAL_FORMAT, "tree")
    assert cat.supported == (
        "64bitall",
        "64bitint",
        "dtrace",
        "gtk2",
        "qmail-maildiruniq",
        "qmail-qregex",
        "qmail-realrcptto",
        "sasl",
        "tls",
    )
    assert cat.groups == {
        "perlbits": ("64bitall", "64bitint"),
        "rcpt": ("qmail-qregex", "qmail-realrcptto"),
    }
    assert cat.defaults == {"64bitint", "dtrace", "qmail-realrcptto"}
    assert cat.current == {"64bitint", "dtrace", "qmail-qregex", "sasl", "tls"}
    # options the wizard has no help for keep the host's description
    assert cat.descriptions["dtrace"] == "Enable DTrace support."
    assert cat.descriptions["gtk2"] == "Enable support for GTK2."
    assert cat.descriptions["64bitall"] == ""
    assert cat.descriptions["qmail-qregex"] == catalog.OPTIONS["qmail-qregex"].text
    # a member asked for replaces the group's default member, in either group kind
    assert cat.effective(["qmail-qregex", "64bitall"]) == {"64bitall", "dtrace", "qmail-qregex"}


def test_from_show_options_invented_group_header_is_no_group():
    quoted = REAL_FORMAT.replace(
        "At most one of the following rcpt", 'At most one of the following "rcpt"'
    )
    cat = from_show_options(quoted, "tree")
    assert "rcpt" not in cat.groups and "qmail-qregex" not in cat.supported


def test_from_show_options_rejects_other_text():
    with pytest.raises(CatalogError, match="has no build options"):
        from_show_options("This package does not use the options framework.\n", "qmail-run")
    with pytest.raises(CatalogError, match="not the output of make show-options"):
        from_show_options("make: don't know how to make show-options. Stop\n", "x")


def test_from_build_info_guesses_the_era():
    cat = from_build_info("eai qmail-customerror qmail-srs syncdir tls\n", "pkg")
    assert cat.supported == Q2.supported and cat.removed == Q2.removed
    old = from_build_info("djbware-errno-hack qmail-bigdns qmail-netqmail qmail-realrcptto", "p")
    assert old.groups == Q1.groups and old.defaults == Q1.defaults
    # an option the table does not know is still supported (the package has it)
    assert "djbware-errno-hack" in from_build_info("djbware-errno-hack eai", "p").supported
    with pytest.raises(CatalogError, match="unknown pkgsrc era"):
        from_build_info("", "p", era="1999Q9")


def test_readers_agree_with_the_sandbox(sandbox, flavor):
    """make show-options and the repository package, parsed, give the flavor's sets."""
    host = SandboxHost(sandbox.paths.base)
    opts = FLAVORS[flavor].qmail_options
    shown = host.run(["make", "show-options"], cwd=QMAIL)
    assert shown.rc == 0
    cat = from_show_options(shown.stdout, f"pkgsrc tree {QMAIL} (make show-options)")
    assert cat.supported == sandbox_options.supported(opts)
    assert cat.defaults == cat.current == frozenset(sandbox_options.defaults(opts))
    assert cat.groups == opts.optional_groups
    assert cat.implies == opts.implies
    assert cat.removed == builtin(flavor).removed
    assert cat.descriptions == builtin(flavor).descriptions

    repo = FLAVORS[flavor].repo_dir
    pkg = next(n for n in host.listdir(repo) if n.startswith("qmail-1"))
    info = host.run(["pkg_info", "-Q", "PKG_OPTIONS", f"{repo}/{pkg}"])
    assert info.rc == 0
    binary = from_build_info(info.stdout, f"binary package {pkg} (+BUILD_INFO)")
    assert binary.supported == cat.supported and binary.groups == cat.groups
    assert binary.defaults == cat.defaults and binary.implies == cat.implies
    assert not binary.needs_source_build([])


def test_profile_with_rcpt_group_words_is_valid_on_a_2017q1_tree(make_sandbox):
    """-qmail-realrcptto / qmail-qregex go through the catalog probed from the host."""
    box = make_sandbox("2017Q1")
    host = SandboxHost(box.paths.base)
    cat = catalog.for_host(probe(host))
    assert cat.source.startswith("pkgsrc tree ")
    assert cat.groups == {
        "rcpt": ("qmail-badrcptto", "qmail-qregex", "qmail-rcptcheck", "qmail-realrcptto")
    }
    profile = defaults_for("mail.example.org", "admin")
    for words in (["-qmail-realrcptto"], ["qmail-qregex"], ["-qmail-realrcptto", "qmail-qregex"]):
        profile.build.options = words
        assert validate(profile, cat, {"root", "admin"}) == [], words
    assert "qmail-qregex" in cat.effective(["qmail-qregex"])
    assert not set(cat.effective(["-qmail-realrcptto"])) & set(cat.groups["rcpt"])


def test_show_options_with_mkconf_choices(make_sandbox):
    box = make_sandbox("2017Q1")
    host = SandboxHost(box.paths.base)
    host.write("/etc/mk.conf", "PKG_OPTIONS.qmail=\ttls qmail-qregex\n")
    cat = from_show_options(host.run(["make", "show-options"], cwd=QMAIL).stdout, "tree")
    assert cat.defaults == Q1.defaults
    assert cat.current == Q1.effective(["tls", "qmail-qregex"])
