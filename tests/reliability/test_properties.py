"""Issue 7: hostile input to profile loading, validation and every TUI input validator.

Each property runs hostile.EXAMPLES examples (derandomized: the same ones in every CI
run).  Loading either gives a profile or raises ProfileError/SourceError with a message
naming the file; validation and the screens' validators return problems or accept,
never raise; an accepted value never carries a character a shell or a path could act on.
"""

from __future__ import annotations

import copy
import re

import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.reliability.hostile import FIELDS, PROPERTY, nasty_text, set_field
from tui.backend.catalog import builtin
from tui.backend.profile import Problem, ProfileError, defaults_for, load, model, read, validate
from tui.backend.profile.yamlsrc import SourceError
from tui.screens.mail import CONTROL_FIELDS, field_id, split_list, split_virtual
from tui.widgets.field import problem_text

CATALOGS = (builtin("2017Q1"), builtin("2020Q2"))
USERS = {"root", "admin", "bob"}
BASE = defaults_for("mail.example.org", "admin")
#: What an accepted value may contain: no shell metacharacter, space, slash or control.
SAFE = re.compile(r"[A-Za-z0-9_.+@-]*")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\ud800-\udfff]")


def checked(problems: list) -> list[Problem]:
    """Problems as the CLI and the screens show them: each renders, on no terminal
    control character, and names a key path."""
    for p in problems:
        assert isinstance(p, Problem)
        text = str(p)
        assert text.startswith(p.file) and not CONTROL.search(text.replace("\n", "")), text
        problem_text(p)
        field_id(p.key)
    return problems


def loads_cleanly(text: str | bytes) -> None:
    """load + validate: a profile and problems, or ProfileError/SourceError naming the
    file; anything else fails the property."""
    try:
        loaded = read(text, "hostile.yaml")
    except (ProfileError, SourceError) as exc:
        message = str(exc)
        assert message.startswith("hostile.yaml") and not CONTROL.search(
            message.replace("\n", "")
        ), message
        return
    for catalog in CATALOGS:
        checked(validate(loaded.profile, catalog, USERS, loaded.filename, loaded.lines))


# --- 1. YAML text -----------------------------------------------------------------------

TOKENS = [
    "version: 1\n",
    "mail:\n",
    "install:\n",
    "build:\n",
    "services:\n",
    "  me: ",
    "  accounts:\n",
    "    daemon: ",
    "  aliases: {root: admin}\n",
    "  locals: ",
    "\n",
    "\n  ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ": ",
    ",",
    "'",
    '"',
    "# c\n",
    "|\n  ",
    ">\n  ",
    "? ",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "%TAG ! tag:x,2000:\n",
    "&a ",
    "*a",
    "<<: ",
    "!!python/object/apply:os.system ['touch /tmp/c'] ",
    "!!python/name:os.system ",
    "!!binary aGk= ",
    "!!set ",
    "!x ",
    "!!str ",
    "!!int ",
    "!!float ",
    "!!timestamp ",
    "2001-12-14 ",
    "1e999",
    ".nan",
    "0x1F",
    "0o17",
    "~",
    "null",
    "yes",
    "on",
    "9" * 5000,
    "\t",
    "\x00",
    "\x1b[31m",
    "\x85",
    "\ufeff",
    "\ud800",
    "\\ud800",
    "\\x1b",
    "é",
    "\U0001f4a9",
    "example.org",
    "$(touch /tmp/canary)",
    "`id`",
    ";",
    "../../",
    "x" * 300,
]
yaml_text = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=30).map("".join),
    st.text(max_size=200),
    st.binary(max_size=200),
)


@PROPERTY
@given(text=yaml_text)
def test_yaml_text_loads_or_fails_cleanly(text):
    loads_cleanly(text)


# --- 2. Python structures dumped as YAML ------------------------------------------------

KEYS = [
    "version",
    "install",
    "build",
    "mail",
    "services",
    "method",
    "options",
    "accounts",
    "me",
    "defaultdomain",
    "locals",
    "rcpthosts",
    "virtualdomains",
    "aliases",
    "relay_from",
    "defaultdelivery",
    "qmailsmtpd",
    "daemon",
    "root",
    "password",
    "x",
]
#: long strings: parsed (20 KB), and beyond the size limit (refused before parsing)
huge = st.sampled_from([300, 20_000, 1_000_001]).map(lambda n: "a" * n)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(2**80), 2**80),
    st.floats(),
    st.text(max_size=20),
    nasty_text,
    huge,
    st.sampled_from(["", ":", "127.", "./Maildir/", "tls", "admin"]),
)
trees = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(KEYS), st.text(max_size=8), st.integers()), inner, max_size=5
        ),
    ),
    max_leaves=20,
)


def nest(value, depth: int, as_map: bool):
    for _ in range(depth):
        value = {"k": value} if as_map else [value]
    return value


DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # the dumping is not under test
deep = st.builds(nest, trees, st.integers(0, 60), st.booleans())
SECTIONS = {
    "install": ["method"],
    "build": ["options", "accounts"],
    "mail": [
        "me",
        "defaultdomain",
        "plusdomain",
        "locals",
        "rcpthosts",
        "virtualdomains",
        "defaultdelivery",
        "aliases",
        "relay_from",
        "smtp_auth",
        "srs",
        "smtproutes",
        "databytes",
    ],
    "tls": ["certificate"],
    "services": list(model.SERVICES) + ["replace_mta"],
}
shaped = st.fixed_dictionaries(
    {},
    optional={
        "version": st.one_of(st.just(1), scalars),
        **{
            section: st.one_of(
                deep,
                st.fixed_dictionaries({}, optional={key: st.one_of(scalars, deep) for key in keys}),
            )
            for section, keys in SECTIONS.items()
        },
    },
)


@PROPERTY
@given(data=st.one_of(shaped, deep, trees))
def test_dumped_structures_load_or_fail_cleanly(data):
    try:
        text = yaml.dump(data, Dumper=DUMPER, allow_unicode=True)
    except UnicodeEncodeError:  # libyaml cannot write a lone surrogate; PyYAML can
        text = yaml.safe_dump(data, allow_unicode=True)
    loads_cleanly(text)


# --- 3. every string field of a profile -------------------------------------------------


@PROPERTY
@given(where=st.sampled_from(FIELDS), value=nasty_text)
def test_every_string_field_refuses_unsafe_values_by_name(where, value):
    profile = copy.deepcopy(BASE)
    key = set_field(profile, where, value)
    for catalog in CATALOGS:
        problems = checked(validate(profile, catalog, USERS, "p.yaml"))
        named = [p for p in problems if p.key.startswith(key)]
        if not SAFE.fullmatch(value) or value.startswith("-") and where != "option":
            # an alias target may be an address whose local part starts with '-': it only
            # ever goes into a .qmail file, as "&-x@example.org" (never an argv)
            if not (where in ("alias-target", "alias-only") and SAFE.fullmatch(value)):
                assert named, (where, value, [str(p) for p in problems])


# --- 4. the screens' validators ---------------------------------------------------------

MAIL_FIELDS = [key for key, _label, _help in CONTROL_FIELDS] + [
    "relay_from",
    *(f"alias-{name}" for name in model.SYSTEM_ALIASES),
]


def _type_into(mail, field: str, text: str) -> list[str]:
    """What the Mail screen does with ``text`` typed into ``field``; the values it made."""
    if field.startswith("alias-"):
        name = field.removeprefix("alias-")
        if text.strip():
            mail.aliases[name] = text.strip()
            return [text.strip()]
        mail.aliases.pop(name, None)
        return []
    if field == "virtualdomains":
        mail.virtualdomains = split_virtual(text)
        return [v for pair in mail.virtualdomains.items() for v in pair]
    if isinstance(getattr(mail, field), list):
        setattr(mail, field, split_list(text))
        return getattr(mail, field)
    setattr(mail, field, text)
    return [text]


@PROPERTY
@given(field=st.sampled_from(MAIL_FIELDS), text=nasty_text)
def test_mail_screen_fields_show_problems_beside_the_field(field, text):
    profile = copy.deepcopy(BASE)
    values = _type_into(profile.mail, field, text)
    problems = checked(validate(profile, CATALOGS[0], USERS))
    shown = {field_id(p.key) for p in problems}
    if any(not SAFE.fullmatch(v) for v in values):
        assert field in shown, (field, text, [str(p) for p in problems])


@PROPERTY
@given(key=st.sampled_from(list(model.ACCOUNT_DEFAULTS)), text=nasty_text)
def test_accounts_screen_names(key, text):
    profile = copy.deepcopy(BASE)
    setattr(profile.build.accounts, key, text)  # what the Accounts screen does
    problems = checked(validate(profile, CATALOGS[0], USERS))
    mine = [p for p in problems if p.key == f"build.accounts.{key}"]
    if not re.fullmatch(r"[a-z_][a-z0-9_.-]{0,15}", text):
        assert mine and mine[0].allowed, (key, text)


option_words = st.lists(
    st.one_of(
        nasty_text,
        st.sampled_from(
            [
                "tls",
                "-tls",
                "+tls",
                "qmail-srs",
                "-qmail-realrcptto",
                "qmail-badrcptto",
                "qmail-realrcptto",
                "sasl",
                "-sasl",
                "inet6",
                "syncdir",
            ]
        ),
        st.none(),
        st.integers(),
        st.lists(st.text(max_size=3), max_size=2),
    ),
    max_size=8,
)


@PROPERTY
@given(words=option_words)
def test_option_words_checked_never_raise(words):
    for catalog in CATALOGS:
        problems = catalog.word_problems(words)
        assert catalog.check(words) == [m for _, m in problems]
        flagged = {i for i, _ in problems}
        for i, word in enumerate(words):
            if not (
                isinstance(word, str)
                and word in catalog.supported
                or isinstance(word, str)
                and word[1:] in catalog.supported
                and word[0] == "-"
            ):
                assert i in flagged, (word, problems)
        for _, message in problems:
            assert not CONTROL.search(message), message
        catalog.effective([w for w in words if isinstance(w, str)])
        catalog.needs_source_build([w for w in words if isinstance(w, str)])


def test_a_profile_built_from_accepted_values_loads_back():
    """The generated values above were checked against the model: keep the model and
    the sections in step (a renamed field would silently weaken the properties)."""
    assert set(SECTIONS["mail"]) == set(model.field_names(model.Mail))
    assert set(SECTIONS["services"]) == set(model.field_names(model.Services))
    assert set(SECTIONS["tls"]) == set(model.field_names(model.Tls))
    assert load(yaml.safe_dump({"version": 1}), "v.yaml") == model.Profile()
