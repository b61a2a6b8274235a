"""Issue 7: hostile input to profile loading, validation and every TUI input validator.

Each property runs hostile.EXAMPLES examples, those that drive a screen SCREEN_EXAMPLES
(derandomized: the same ones in every CI
run).  Loading either gives a profile or raises ProfileError/SourceError with a message
naming the file; validation and the screens' validators return problems or accept,
never raise; an accepted value never carries a character a shell or a path could act on.
"""

from __future__ import annotations

import asyncio
import copy
import re
from contextlib import contextmanager

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from textual.app import App
from textual.widgets import Input

from tests.reliability.hostile import (
    FIELDS,
    PROFILE_KEYS,
    PROPERTY,
    SCREEN_PROPERTY,
    nasty_text,
    set_field,
)
from tui.backend.catalog import builtin
from tui.backend.profile import (
    Problem,
    ProfileError,
    defaults_for,
    dump,
    load,
    model,
    read,
    validate,
)
from tui.backend.profile.yamlsrc import SourceError
from tui.backend.session import Session
from tui.screens.accounts import AccountsScreen
from tui.screens.mail import CONTROL_FIELDS, MailScreen, field_id
from tui.widgets.field import Field, problem_text

CATALOGS = (builtin("2017Q1"), builtin("2020Q2"))
USERS = {"root", "admin", "bob"}
BASE = defaults_for("mail.example.org", "admin")
#: What an accepted value may contain: no shell metacharacter, space, slash or control.
SAFE = re.compile(r"[A-Za-z0-9_.+@-]*")
#: a host path (tls.certificate): '/' first, then the safe characters, '/' and ','
PATH_SAFE = re.compile(r"/[A-Za-z0-9_.,+@/-]*")
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
            st.one_of(st.sampled_from(PROFILE_KEYS), st.text(max_size=8), st.integers()),
            inner,
            max_size=5,
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


def dumped(data) -> str:
    """``data`` as YAML text: libyaml's, or PyYAML's own emitter when a lone surrogate
    is in it (libyaml cannot write one).  That emitter scans every scalar character by
    character (~10 ms for ``huge``'s million), so those strings go in after it, in
    place of a stand-in: a run of ``a`` is a plain scalar either way, so the text is
    the one it would have written."""
    try:
        return yaml.dump(data, Dumper=DUMPER, allow_unicode=True)
    except UnicodeEncodeError:
        pass
    longs: dict[str, str] = {}

    def stand_in(value):
        if isinstance(value, list):
            return [stand_in(item) for item in value]
        if isinstance(value, dict):
            return {key: stand_in(item) for key, item in value.items()}
        if isinstance(value, str) and len(value) >= 300 and value == "a" * len(value):
            longs[f"hugestandin{len(longs)}z"] = value
            return f"hugestandin{len(longs) - 1}z"
        return value

    text = yaml.safe_dump(stand_in(data), allow_unicode=True)
    for key, value in longs.items():
        text = text.replace(key, value)
    return text


def test_a_huge_string_goes_into_the_text_as_the_emitter_writes_it():
    data = {"mail": {"me": "\ud800", "rcpthosts": ["a" * 20_000, "x"]}, "k": "a" * 300}
    assert dumped(data) == yaml.safe_dump(data, allow_unicode=True)


@PROPERTY
@given(data=st.one_of(shaped, deep, trees))
def test_dumped_structures_load_or_fail_cleanly(data):
    loads_cleanly(dumped(data))


# --- 3. every string field of a profile -------------------------------------------------


@PROPERTY
@given(where=st.sampled_from(FIELDS), value=nasty_text)
def test_every_string_field_refuses_unsafe_values_by_name(where, value):
    profile = copy.deepcopy(BASE)
    key = set_field(profile, where, value)
    for catalog in CATALOGS:
        problems = checked(validate(profile, catalog, USERS, "p.yaml"))
        named = [p for p in problems if p.key.startswith(key)]
        unsafe = not SAFE.fullmatch(value) or (value.startswith("-") and where != "option")
        # an alias target may be an address whose local part starts with '-': it only
        # ever goes into a .qmail file, as "&-x@example.org" (never an argv)
        if where == "certificate" and PATH_SAFE.fullmatch(value) and not value.endswith("/"):
            continue  # an absolute path on the host is what the key takes
        if unsafe and not (where in ("alias-target", "alias-only") and SAFE.fullmatch(value)):
            assert named, (where, value, [str(p) for p in problems])


# --- 4. the screens, driven as the admin types ------------------------------------------


class OneScreen(App):
    """An app showing one wizard step for a session (no host: nothing is probed)."""

    def __init__(self, step) -> None:
        super().__init__()
        self.session = Session(host=None, catalog=CATALOGS[0], profile=copy.deepcopy(BASE))
        self.step = step

    def on_mount(self) -> None:
        self.push_screen(self.step(self.session))


async def settled(pilot) -> None:
    """Until the messages the edit set off (Input.Changed, then Field.Changed, then the
    screen's updates) are handled: one pilot pause for each link of that chain."""
    for _link in range(3):
        await pilot.pause()


@contextmanager
def running(step):
    """The app and ``edit(name, text)``: put ``text`` in the field with that id or key
    as an edit of its Input does (the screen's own handlers run); the field, as the
    edit left it (undone before the next edit).  The app lives across examples, in one
    task of one event loop that is run for each edit."""
    loop = asyncio.new_event_loop()
    app = OneScreen(step)
    edits: asyncio.Queue = asyncio.Queue()

    async def serve() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            undo = None
            while (job := await edits.get()) is not None:
                if undo is not None:  # the last edit, quietly: text and profile as before
                    with undo[0].input.prevent(Input.Changed):
                        undo[0].value = undo[1]
                    app.session.profile = copy.deepcopy(BASE)
                name, text, done = job
                field = next(f for f in app.screen.query(Field) if name in (f.id, f.key))
                undo, field.value = (field, field.value), text
                await settled(pilot)
                done.set_result(field)

    def edit(name: str, text: str) -> Field:
        done = loop.create_future()
        edits.put_nowait((name, text, done))
        return loop.run_until_complete(done)

    server = loop.create_task(serve())
    try:
        yield app, edit
    finally:
        edits.put_nowait(None)
        loop.run_until_complete(server)
        loop.close()


MAIL_FIELDS = [key for key, _label, _help in CONTROL_FIELDS] + [
    "relay_from",
    *(f"alias-{name}" for name in model.SYSTEM_ALIASES),
]


@pytest.fixture(scope="module")
def mail_screen():
    with running(MailScreen) as app_and_edit:
        yield app_and_edit


def made(mail, field: str) -> list[str]:
    """The profile values a Mail field holds."""
    if field.startswith("alias-"):
        value = mail.aliases.get(field.removeprefix("alias-"))
        return [] if value is None else model.alias_targets(value)
    value = getattr(mail, field)
    if isinstance(value, dict):
        return [v for pair in value.items() for v in pair]
    return value if isinstance(value, list) else [value]


@SCREEN_PROPERTY
@given(field=st.sampled_from(MAIL_FIELDS), text=nasty_text)
def test_mail_screen_fields_show_problems_beside_the_field(mail_screen, field, text):
    app, edit = mail_screen
    shown = edit(field, text)
    values = made(app.session.profile.mail, field)
    if any(not SAFE.fullmatch(v) for v in values):
        assert shown.problem, (field, text, values)


@pytest.fixture(scope="module")
def accounts_screen():
    with running(AccountsScreen) as app_and_edit:
        yield app_and_edit


@SCREEN_PROPERTY
@given(key=st.sampled_from(list(model.ACCOUNT_DEFAULTS)), text=nasty_text)
def test_accounts_screen_names(accounts_screen, key, text):
    app, edit = accounts_screen
    shown = edit(key, text)
    assert getattr(app.session.profile.build.accounts, key) == text
    if not re.fullmatch(r"[a-z_][a-z0-9_.-]{0,15}", text):
        assert shown.problem, (key, text)


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
                (isinstance(word, str) and word in catalog.supported)
                or (isinstance(word, str) and word[1:] in catalog.supported and word[0] == "-")
            ):
                assert i in flagged, (word, problems)
        for _, message in problems:
            assert not CONTROL.search(message), message
        catalog.effective([w for w in words if isinstance(w, str)])
        catalog.needs_source_build([w for w in words if isinstance(w, str)])


@PROPERTY
@given(
    where=st.sampled_from(FIELDS), value=st.one_of(nasty_text, st.from_regex(SAFE, fullmatch=True))
)
def test_a_profile_built_from_accepted_values_loads_back(where, value):
    """A value validation accepts, in any field, survives dump and load unchanged."""
    profile = copy.deepcopy(BASE)
    set_field(profile, where, value)
    if any(validate(profile, catalog, USERS, "p.yaml") for catalog in CATALOGS):
        return  # refused: test_every_string_field_refuses_unsafe_values_by_name
    assert load(dump(profile), "d.yaml") == profile


def test_the_generated_sections_are_the_models():
    """The generated values above were checked against the model: keep the model and
    the sections in step (a renamed field would silently weaken the properties)."""
    assert set(SECTIONS["mail"]) == set(model.field_names(model.Mail))
    assert set(SECTIONS["services"]) == set(model.field_names(model.Services))
    assert set(SECTIONS["tls"]) == set(model.field_names(model.Tls))
    assert load(yaml.safe_dump({"version": 1}), "v.yaml") == model.Profile()
