"""Profiles: shape errors at load, every validation rule with its message, dump, defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.hostile import PROFILE_KEYS
from tui.backend.catalog import builtin
from tui.backend.profile import (
    ProfileError,
    defaults_for,
    dump,
    load,
    load_valid,
    model,
    read,
    validate,
)
from tui.backend.profile.yamlsrc import SourceError

PROFILES = Path(__file__).resolve().parents[2] / "profiles"
Q1 = builtin("2017Q1")
Q2 = builtin("2020Q2")
USERS = {"root", "admin", "bob"}
BASE = dump(defaults_for("mail.example.org", "admin"))


def shape_errors(text: str) -> list[str]:
    with pytest.raises(ProfileError) as err:
        load(text, "p.yaml")
    return str(err.value).splitlines()


def problems(edit: dict, catalog=Q1, users=USERS) -> list[str]:
    """Validate the default profile with some sections replaced (YAML merged by hand)."""
    data = yaml.safe_load(BASE)
    for dotted, value in edit.items():
        *parents, last = dotted.split(".")
        node = data
        for key in parents:
            node = node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value
    # the edited profile in dump()'s layout, so the lines below are those of BASE
    loaded = read(dump(load(yaml.safe_dump(data), "p.yaml")), "p.yaml")
    return [str(p) for p in validate(loaded.profile, catalog, users, "p.yaml", loaded.lines)]


# --- load -----------------------------------------------------------------------------


def test_unknown_key_suggests_the_nearest():
    assert shape_errors("version: 1\nservics: {qmailsmtpd: true}\n") == [
        "p.yaml:2: servics: unknown key (allowed: version, install, build, mail, tls, services); "
        "did you mean 'services'?"
    ]
    assert shape_errors("build:\n  accounts:\n    deamon: x\n") == [
        "p.yaml:3: build.accounts.deamon: unknown key (allowed: alias, daemon, log, root, "
        "passwd, queue, remote, send, qmail_group, nofiles_group); did you mean 'daemon'?"
    ]
    assert shape_errors("smtp_password: hunter2\n") == [
        "p.yaml:1: smtp_password: unknown key (allowed: version, install, build, mail, tls, "
        "services); secrets never go in a profile; remove it"
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "version: true",
            "p.yaml:1: version: true: wrong type: expected a whole number, got a boolean",
        ),
        (
            "services: {qmailsmtpd: maybe}",
            'p.yaml:1: services.qmailsmtpd: "maybe": wrong type: '
            "expected true or false, got a string",
        ),
        (
            "mail: {locals: a.org}",
            'p.yaml:1: mail.locals: "a.org": wrong type: expected a list '
            "of strings, e.g. [a, b] (write [] for none), got a string",
        ),
        (
            "mail:\n  rcpthosts: [a.org, 5]",
            "p.yaml:2: mail.rcpthosts[1]: 5: wrong type: expected "
            "a string, got a whole number; put the value in quotes",
        ),
        (
            "build: {accounts: {daemon: no}}",
            "p.yaml:1: build.accounts.daemon: false: wrong type: "
            "expected a string, got a boolean; put the value in "
            "quotes",
        ),
        (
            "mail:\n  aliases: {1: bob}",
            "p.yaml:2: mail.aliases.1: 1: wrong type: expected a "
            "string as key, got a whole number; put the key in quotes",
        ),
        (
            "install: binary",
            'p.yaml:1: install: "binary": wrong type: expected a mapping with the '
            "keys method, got a string",
        ),
        (
            "- version",
            'p.yaml:1: ["version"]: wrong type: expected a mapping with the keys '
            "version, install, build, mail, tls, services, got a list",
        ),
    ],
)
def test_wrong_types(text, message):
    assert shape_errors(text) == [message]


def test_missing_keys_take_the_model_defaults_and_values_derived_from_me():
    loaded = read("mail: {me: a.example.org}\nservices:\n", "p.yaml")
    assert loaded.profile == model.Profile(
        mail=model.Mail(
            me="a.example.org",
            defaultdomain="example.org",
            plusdomain="example.org",
            locals=["a.example.org", "example.org", "localhost"],
            rcpthosts=["a.example.org", "example.org"],
        )
    )
    assert loaded.derived == (
        "mail.defaultdomain",
        "mail.plusdomain",
        "mail.locals",
        "mail.rcpthosts",
        "mail.aliases",
    )
    explicit = read("mail: {me: a.example.org, rcpthosts: [], aliases: {root: bob}}\n")
    assert explicit.profile.mail.rcpthosts == []
    assert "mail.aliases" not in explicit.derived


def test_path_source_and_unreadable_file(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("version: 1\n")
    assert read(path).filename == str(path)
    with pytest.raises(ProfileError, match="cannot read the profile"):
        load(tmp_path / "missing.yaml")
    with pytest.raises(SourceError, match="not valid YAML"):
        load("a: [", "p.yaml")


# --- validate: one rule at a time, exact messages ----------------------------------------

NAME = (
    "allowed: 1 to 16 characters: a-z, 0-9, '_', '.', '-', starting with a letter or "
    "'_' (NetBSD login names)"
)
FQDN = (
    "allowed: a fully qualified domain name: lower-case labels joined by dots, "
    "e.g. mail.example.org"
)
RELAY = (
    "allowed: a tcprules IPv4 rule: a prefix ending in '.' (127., 10.1.), an address "
    "(192.168.1.5) or an address range in its last part (10.0.0.1-50)"
)


@pytest.mark.parametrize(
    "edit, expected",
    [
        ({"version": 2}, "p.yaml:3: version: 2: unsupported profile version (allowed: 1)"),
        (
            {"install.method": "sorce"},
            'p.yaml:5: install.method: "sorce": unknown install '
            "method (allowed: auto, binary, pkgin, source); did you mean 'source'?",
        ),
        (
            {"install.method": "binary", "build.options": ["tls"]},
            'p.yaml:5: install.method: "binary": binary packages are built with the default options '
            "and account names, but this profile asks for options tls (allowed: source or auto (a "
            "pkgsrc source build)); write method: source",
        ),
        (
            {"build.accounts.daemon": "My Daemon"},
            f'p.yaml:10: build.accounts.daemon: "My Daemon": not a valid NetBSD account name ({NAME}); '
            "try 'mydaemon'",
        ),
        (
            {"build.accounts.log": "qmaillogaccount17"},
            f'p.yaml:11: build.accounts.log: "qmaillogaccount17": longer than 16 characters ({NAME}); '
            "try 'qmaillogaccount1'",
        ),
        (
            {"build.accounts.send": "qmaild"},
            'p.yaml:16: build.accounts.send: "qmaild": the same user name as build.accounts.daemon '
            "(allowed: a distinct name for every qmail user); try 'qmails'",
        ),
        (
            {"build.accounts.nofiles_group": "qmail"},
            'p.yaml:18: build.accounts.nofiles_group: "qmail": the same group name as '
            "build.accounts.qmail_group (allowed: a distinct name for every qmail group); "
            "try 'nofiles'",
        ),
        (
            {"build.options": ["qmail-badrcptto", "qmail-qregex"]},
            'p.yaml:7: build.options[1]: "qmail-qregex": "qmail-badrcptto" and "qmail-qregex" are '
            'both in the pick-one group "rcpt" (qmail-badrcptto qmail-qregex qmail-rcptcheck '
            "qmail-realrcptto): choose at most one",
        ),
        (
            {"build.options": ["tlss"]},
            'p.yaml:7: build.options[0]: "tlss": unknown option "tlss" '
            '(not offered by built-in table (2017Q1)); did you mean "tls"?',
        ),
        (
            {"mail.me": "Mail.Example.org."},
            f'p.yaml:20: mail.me: "Mail.Example.org.": not a valid '
            f"domain name ({FQDN}); did you mean 'mail.example.org'?",
        ),
        (
            {"mail.defaultdomain": "example"},
            'p.yaml:21: mail.defaultdomain: "example": not fully '
            f"qualified (it needs a domain part) ({FQDN})",
        ),
        (
            {"mail.plusdomain": ""},
            f'p.yaml:22: mail.plusdomain: "": empty ({FQDN}); write the domain name',
        ),
        (
            {"mail.locals": ["localhost", "bad_name.org"]},
            "p.yaml:23: mail.locals[1]: "
            f'"bad_name.org": not a valid domain name ({FQDN}, or localhost)',
        ),
        (
            {"mail.rcpthosts": ["localhost"]},
            'p.yaml:24: mail.rcpthosts[0]: "localhost": not '
            f"fully qualified (it needs a domain part) ({FQDN})",
        ),
        (
            {"mail.rcpthosts": ["mail.example.org"], "mail.virtualdomains": {"example.net": "joe"}},
            'p.yaml:26: mail.virtualdomains.example.net: "example.net": virtual domain missing from '
            "mail.rcpthosts (allowed: virtual domains are also listed in rcpthosts); add "
            "'example.net' to mail.rcpthosts",
        ),
        (
            {"mail.virtualdomains": {"example.org": "joe"}},
            'p.yaml:26: mail.virtualdomains.example.org: "example.org": virtual domain also listed '
            "in mail.locals (allowed: a domain is either local or virtual); remove 'example.org' "
            "from mail.locals",
        ),
        (
            {
                "mail.rcpthosts": ["mail.example.org", "example.org", "example.net"],
                "mail.virtualdomains": {"example.net": "Joe Smith"},
            },
            'p.yaml:26: mail.virtualdomains.example.net: "Joe Smith": not a valid virtual domain '
            "prefix (allowed: a local part: a-z, 0-9, '_', '.', '+', '-' (at most 64 characters))",
        ),
        (
            {"mail.defaultdelivery": "./Maildir"},
            'p.yaml:26: mail.defaultdelivery: "./Maildir": '
            "unknown delivery (allowed: ./Maildir/ or ./Mailbox); write './Maildir/': the trailing "
            "slash means Maildir delivery",
        ),
        (
            {"mail.aliases.postmaster": "adnim"},
            'p.yaml:29: mail.aliases.postmaster: "adnim": no '
            "such user on this host (allowed: a user of this host or user@domain); did you mean "
            "'admin'?",
        ),
        (
            {"mail.aliases.root": "root"},
            'p.yaml:30: mail.aliases.root: "root": qmail never '
            "delivers to root, so this mail would bounce (allowed: an unprivileged local user or "
            "user@domain); name the admin's own account",
        ),
        (
            {"mail.aliases.root": "ops@example"},
            'p.yaml:30: mail.aliases.root: "ops@example": the '
            "address's domain is not fully qualified (it needs a domain part) (" + FQDN + ")",
        ),
        (
            {"mail.aliases.abuse": "a b"},
            'p.yaml:28: mail.aliases.abuse: "a b": not a local user '
            "or an address (allowed: a local user name or user@domain)",
        ),
        (
            {"mail.relay_from": ["127.", ""]},
            'p.yaml:31: mail.relay_from[1]: "": matches every '
            f"client: RELAYCLIENT for everyone makes an open relay ({RELAY}); list only your own "
            "networks, e.g. '127.' or '192.168.1.'",
        ),
        (
            {"mail.relay_from": [":"]},
            'p.yaml:31: mail.relay_from[0]: ":": matches every client: '
            f"RELAYCLIENT for everyone makes an open relay ({RELAY}); list only your own networks, "
            "e.g. '127.' or '192.168.1.'",
        ),
        (
            {"mail.relay_from": ["10.0-3."]},
            'p.yaml:31: mail.relay_from[0]: "10.0-3.": a range is '
            f"allowed only in the last part of a full address ({RELAY}); list only your own "
            "networks, e.g. '127.' or '192.168.1.'",
        ),
        (
            {"mail.relay_from": ["127.:allow"]},
            'p.yaml:31: mail.relay_from[0]: "127.:allow": not a '
            f"tcprules address rule ({RELAY}); list only your own networks, e.g. '127.' or "
            "'192.168.1.'",
        ),
        (
            {"mail.rcpthosts": []},
            "p.yaml:24: mail.rcpthosts: []: empty while services.qmailsmtpd "
            "is true: without rcpthosts qmail-smtpd relays mail for everyone (allowed: the domains "
            "this host receives mail for); add 'mail.example.org'",
        ),
    ],
)
def test_each_rule_has_its_message(edit, expected):
    assert problems(edit) == [expected]


def test_valid_values_pass():
    assert (
        problems(
            {
                "mail.relay_from": ["127.", "10.1.", "192.168.1.5", "10.0.0.1-50"],
                "mail.aliases.abuse": "abuse-desk@example.net",
                "mail.rcpthosts": ["mail.example.org", "example.org", "example.net"],
                "mail.virtualdomains": {"example.net": "joe"},
                "mail.defaultdelivery": "./Mailbox",
            }
        )
        == []
    )
    assert problems({"mail.rcpthosts": [], "services.qmailsmtpd": False}) == []
    assert problems({"mail.aliases.root": "nobody-here"}, users=None) == []


def test_removed_option_on_2020q2_explains_where_it_went():
    assert problems({"build.options": ["-qmail-realrcptto"]}, catalog=Q2) == [
        'p.yaml:7: build.options[0]: "-qmail-realrcptto": "qmail-realrcptto" is not an option '
        "here (built-in table (2020Q2)): since 2017-08 a program, qmail-rcptcheck-realrcptto, "
        "in qmail-rejectutils; qmail-smtpd calls it via control/rcptchecks. Remove the word: "
        "qmail-run installs qmail-rejectutils."
    ]


def test_profile_error_lists_every_problem_one_per_line():
    text = BASE.replace("me: mail.example.org", "me: bad..name").replace("'127.'", "''")
    with pytest.raises(ProfileError) as err:
        load_valid(text, Q1, USERS, "p.yaml")
    lines = str(err.value).splitlines()
    assert len(lines) == len(err.value.problems) == 2
    assert lines[0].startswith('p.yaml:20: mail.me: "bad..name": not a valid domain name')
    assert lines[1].startswith('p.yaml:31: mail.relay_from[0]: "": matches every client')


# --- shipped profiles, dump, defaults ------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["default.yaml", "srs-source.yaml", "custom-accounts.yaml", "pop3-maildir.yaml"]
)
def test_shipped_profiles_validate_and_are_complete(name):
    path = PROFILES / name
    text = path.read_text()
    assert text.startswith(f"# {name}: ") and "Use it" in text.split("version:")[0]
    profile = load_valid(path, Q1, {"root", "admin"})
    header = "".join(line for line in text.splitlines(True) if line.startswith("#"))
    assert dump(profile, header=header) == text  # every effective value is written out


def test_shipped_profiles_mean_what_they_say():
    assert load(PROFILES / "default.yaml").install.method == "binary"
    assert not Q1.needs_source_build(load(PROFILES / "default.yaml").build.options)
    srs = load(PROFILES / "srs-source.yaml")
    assert (srs.install.method, srs.build.options) == ("source", ["qmail-srs", "-qmail-realrcptto"])
    assert Q1.needs_source_build(srs.build.options)
    assert "qmail-realrcptto" in " ".join(validate(srs, Q2)[0].message.split())
    accounts = load(PROFILES / "custom-accounts.yaml").build.accounts
    assert accounts.daemon == "mydaemon" and not accounts.is_default()
    pop3 = load(PROFILES / "pop3-maildir.yaml")
    assert pop3.services.qmailpop3d and pop3.mail.defaultdelivery == "./Maildir/"


def test_defaults_for_a_fresh_host():
    p = defaults_for("Mail.Example.ORG.", "admin")
    assert (p.mail.me, p.mail.defaultdomain, p.mail.plusdomain) == (
        "mail.example.org",
        "example.org",
        "example.org",
    )
    assert p.mail.locals == ["mail.example.org", "example.org", "localhost"]
    assert p.mail.rcpthosts == ["mail.example.org", "example.org"]
    assert p.mail.aliases == {"root": "admin", "postmaster": "admin", "mailer-daemon": "admin"}
    assert validate(p, Q1, {"admin"}) == []
    short = defaults_for("example.org", "admin")
    assert short.mail.locals == ["example.org", "localhost"]
    assert short.mail.rcpthosts == ["example.org"]


def test_dump_round_trip_with_awkward_values():
    p = defaults_for("mail.example.org", "admin")
    p.build.options = ["tls", "-qmail-realrcptto"]
    p.mail.virtualdomains = {"example.net": "yes", "null.example": "123"}
    p.mail.aliases["no"] = "on@example.org"
    p.mail.relay_from = ["127.", "10.0.0.1-50", ""]
    text = dump(p)
    assert text.startswith("# qmail-wizard profile")
    assert load(text, "d.yaml") == p
    order = [line.split(":")[0] for line in text.splitlines() if line and line[0].isalpha()]
    assert order == ["version", "install", "build", "mail", "tls", "services"]


# --- no input gives anything but ProfileError/SourceError ----------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["", ":", "127.", "./Maildir/", "tls"]),
)
trees = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(PROFILE_KEYS), st.text(max_size=6)), inner, max_size=5
        ),
    ),
    max_leaves=25,
)


words = st.one_of(
    st.text(max_size=10),
    st.sampled_from(
        [
            "",
            ":",
            "127.",
            "10.0.0.1-50",
            "./Maildir/",
            "tls",
            "-sasl",
            "admin",
            "root",
            "example.org",
            "a@example.org",
            "localhost",
            "qmaild",
        ]
    ),
)
leaf = {
    str: words,
    bool: st.booleans(),
    int: st.integers(0, 3),
    list: st.lists(words, max_size=4),
    dict: st.dictionaries(words, words, max_size=3),
}


SCHEMA = {
    "install": {"method": str},
    "build": {"options": list, "accounts": dict.fromkeys(model.ACCOUNT_DEFAULTS, str)},
    "mail": {
        "me": str,
        "defaultdomain": str,
        "plusdomain": str,
        "locals": list,
        "rcpthosts": list,
        "virtualdomains": dict,
        "defaultdelivery": str,
        "aliases": dict,
        "relay_from": list,
    },
    "services": dict.fromkeys(model.field_names(model.Services), bool),
}


def shaped(value) -> st.SearchStrategy:
    """Documents with the schema's keys; ``value(kind)`` draws each leaf."""

    def mapping(kinds: dict):
        return st.fixed_dictionaries(
            {},
            optional={k: mapping(v) if isinstance(v, dict) else value(v) for k, v in kinds.items()},
        )

    return st.fixed_dictionaries(
        {}, optional={"version": value(int), **{k: mapping(v) for k, v in SCHEMA.items()}}
    )


documents = st.one_of(
    shaped(lambda kind: leaf[kind]),  # well typed
    shaped(lambda kind: st.one_of(leaf[kind], scalars, trees)),  # some wrong types
    st.dictionaries(st.sampled_from(PROFILE_KEYS), trees, max_size=5),  # mostly unknown keys
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=documents)
def test_random_documents_fail_cleanly(data):
    text = yaml.safe_dump(data, allow_unicode=True)
    try:
        profile = load(text, "r.yaml")
    except (ProfileError, SourceError):
        return
    for catalog in (Q1, Q2):
        assert all(str(p) for p in validate(profile, catalog, USERS))
    assert load(dump(profile), "d.yaml") == profile


# --- issue 14 keys -------------------------------------------------------------------------

MAIL_HOST = PROFILES / "mail-host.yaml"


def feature_problems(yaml_text: str, catalog=Q1) -> list[str]:
    loaded = read(yaml_text, "p.yaml")
    return [str(p) for p in validate(loaded.profile, catalog, USERS, "p.yaml", loaded.lines)]


@pytest.mark.parametrize("catalog", [Q1, Q2])
def test_every_issue_14_key_validates(catalog):
    assert load_valid(MAIL_HOST, catalog, {"root", "admin"}).mail.smtp_auth


def test_a_minimal_profile_validates():
    assert feature_problems("version: 1\nmail: {me: mail.example.org}\n") == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "  aliases: {fwd: []}\n",
            "p.yaml:4: mail.aliases.fwd: []: an empty list: mail to this alias would go "
            "nowhere (allowed: a target or a list of targets)",
        ),
        (
            "  aliases: {fwd: [ok@example.org, 'a b']}\n",
            'p.yaml:4: mail.aliases.fwd[1]: "a b": not a local user or an address '
            "(allowed: a local user name or user@domain)",
        ),
        (
            "  srs: {domain: srs}\n",
            'p.yaml:4: mail.srs.domain: "srs": not fully qualified (it needs a domain part) ('
            + FQDN
            + ")",
        ),
        (
            "  srs: {domain: mail.example.org}\n",
            'p.yaml:4: mail.srs.domain: "mail.example.org": the SRS domain must be a domain of '
            "its own (a virtual domain delivered to srsfilter), not a local one (allowed: a "
            "sub-domain such as srs.example.org)",
        ),
        (
            "  smtproutes: {remote.example: 'host.example:0'}\n",
            'p.yaml:4: mail.smtproutes.remote.example: "host.example:0": not a port number '
            "(allowed: host[:port]: a host name or an IPv4 address (brackets allowed), an "
            "optional port 1-65535; an empty host means the domain's MX)",
        ),
        (
            "  smtproutes: {'bad domain': '127.0.0.1'}\n",
            'p.yaml:4: mail.smtproutes.bad domain: "bad domain": not a domain (allowed: a '
            'domain (remote.example), a domain with a leading dot for its sub-domains, or "" '
            "for every other domain)",
        ),
        (
            "  smtproutes: {'': '300.1.1.1:25'}\n",
            'p.yaml:4: mail.smtproutes.: "300.1.1.1:25": not an address (allowed: host[:port]: '
            "a host name or an IPv4 address (brackets allowed), an optional port 1-65535; an "
            "empty host means the domain's MX)",
        ),
        (
            "  databytes: -5\n",
            "p.yaml:4: mail.databytes: -5: negative (allowed: a size in bytes, 0 for no limit)",
        ),
    ],
)
def test_issue_14_bad_values(body, message):
    assert feature_problems(f"version: 1\nmail:\n  me: mail.example.org\n{body}") == [message]


def test_bad_certificate_and_option_conflicts():
    assert feature_problems("mail: {me: mail.example.org}\ntls: {certificate: cert.pem}\n") == [
        'p.yaml:2: tls.certificate: "cert.pem": neither self-signed nor an absolute path '
        "(allowed: self-signed (made on the host), or the absolute path on the host of a PEM "
        "file holding the certificate and its private key)"
    ]
    conflict = feature_problems(
        "build: {options: [-tls, -qmail-srs]}\n"
        "mail: {me: mail.example.org, smtp_auth: true, srs: {domain: srs.example.org}}\n"
    )
    assert sorted(p.split(": ")[1] for p in conflict) == ["mail.smtp_auth", "mail.srs.domain"]
    assert feature_problems("mail: {me: mail.example.org, smtp_auth: yes}\n") == []
    with pytest.raises(ProfileError, match="expected true or false"):
        load("mail: {me: mail.example.org, smtp_auth: 'yes'}\n", "p.yaml")
    with pytest.raises(ProfileError, match="expected a whole number"):
        load("mail: {me: mail.example.org, databytes: 10MB}\n", "p.yaml")
