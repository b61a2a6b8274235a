"""Build options: defaults, the source-build note, pick-one groups, implied options, F1."""

from __future__ import annotations

import pytest

from tests.ui.conftest import settle
from tui.screens.options import OptionsScreen
from tui.widgets.help import HelpScreen
from tui.widgets.option_list import BuildOptionList


async def open_options(pilot) -> BuildOptionList:
    await settle(pilot)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, OptionsScreen)
    return pilot.app.screen.query_one(BuildOptionList)


async def move_to(pilot, options: BuildOptionList, row_id: str) -> None:
    """Arrow down from the top to the row (the cursor skips group headings)."""
    await pilot.press("home")
    while options.row.id != row_id:
        before = options.highlighted
        await pilot.press("down")
        assert options.highlighted != before, f"no row {row_id}"


def note(screen) -> str:
    widget = screen.query_one("#note")
    return str(widget.render()) if widget.display else ""


def checked(options: BuildOptionList) -> set[str]:
    return {
        row.name
        for row in options.rows
        if row.name and options.prompt_of(row.id)[:3] in ("[x]", "(•)")
    }


@pytest.mark.parametrize("flavor", ["2017Q1", "2020Q2"])
async def test_defaults_and_source_build_note(wizard_app, flavor):
    app, _box = wizard_app(flavor)
    async with app.run_test(size=(80, 24)) as pilot:
        options = await open_options(pilot)
        catalog = app.session.catalog
        assert checked(options) == set(catalog.defaults)
        assert {r.name for r in options.rows if r.name} == set(catalog.supported)
        for name in catalog.defaults:
            assert "default" in options.prompt_of(name)
        assert "(none: the defaults)" in str(app.screen.query_one("#words").render())
        assert note(app.screen) == ""

        extra = sorted(
            set(catalog.supported)
            - catalog.defaults
            - {m for g in catalog.groups.values() for m in g}
        )[0]
        await move_to(pilot, options, extra)
        await pilot.press("space")
        assert app.session.profile.build.options == [extra]
        assert f"+{extra}" in note(app.screen)
        assert "several minutes; needs the pkgsrc tree" in note(app.screen)
        assert "carry only the defaults" in note(app.screen)
        assert f"PKG_OPTIONS.qmail: {extra}" in str(app.screen.query_one("#words").render())

        await pilot.press("space")
        assert app.session.profile.build.options == []
        assert note(app.screen) == ""

        default = sorted(catalog.defaults)[0]
        await move_to(pilot, options, default)
        await pilot.press("space")
        assert app.session.profile.build.options == [f"-{default}"]
        assert f"-{default}" in note(app.screen)


async def test_rcpt_group_is_pick_one(wizard_app):
    app, _box = wizard_app("2017Q1")
    async with app.run_test(size=(80, 24)) as pilot:
        options = await open_options(pilot)
        assert options.prompt_of("qmail-realrcptto").startswith("(•)")
        await move_to(pilot, options, "qmail-qregex")
        await pilot.press("space")
        assert app.session.profile.build.options == ["qmail-qregex"]
        assert options.prompt_of("qmail-qregex").startswith("(•)")
        assert options.prompt_of("qmail-realrcptto").startswith("( )")
        assert app.session.catalog.check(["qmail-qregex"]) == []

        await move_to(pilot, options, "none-rcpt")
        await pilot.press("space")
        assert app.session.profile.build.options == ["-qmail-realrcptto"]
        assert options.prompt_of("none-rcpt").startswith("(•)")
        assert not checked(options) & set(app.session.catalog.groups["rcpt"])

        await move_to(pilot, options, "qmail-realrcptto")
        await pilot.press("space")
        assert app.session.profile.build.options == []
        assert note(app.screen) == ""


async def test_tls_implies_sasl_and_f1_help(wizard_app):
    app, _box = wizard_app("2017Q1")
    async with app.run_test(size=(80, 24)) as pilot:
        options = await open_options(pilot)
        await move_to(pilot, options, "tls")
        await pilot.press("space")
        assert app.session.profile.build.options == ["tls"]
        assert options.prompt_of("sasl").startswith("[x]")
        assert "implied by tls" in options.prompt_of("sasl")
        assert "+sasl +tls" in note(app.screen)

        await move_to(pilot, options, "sasl")
        await pilot.press("space")  # refused: tls turns it on
        assert app.session.profile.build.options == ["tls"]
        assert "implied by tls" in options.prompt_of("sasl")

        await move_to(pilot, options, "qmail-srs")
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").render())
        assert "Sender Rewriting Scheme" in text
        assert "libsrs2" in text
        await pilot.press("escape")
        assert isinstance(app.screen, OptionsScreen)


async def test_problems_refuse_enter(wizard_app):
    app, _box = wizard_app("2017Q1")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.session.profile.build.options = ["qmail-srs", "-qmail-srs"]  # as if loaded
        options = await open_options(pilot)
        problems = str(app.screen.query_one("#problems").render())
        assert '"qmail-srs" and "-qmail-srs" contradict each other' in problems
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OptionsScreen)
        await move_to(pilot, options, "qmail-srs")
        await pilot.press("space")  # one toggle rewrites both words
        assert app.session.profile.build.options == ["qmail-srs"]
        assert not app.screen.query_one("#problems").display
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.name == "accounts"


def test_srs_help_names_what_the_simulated_package_installs():
    """pkgsrc mail/qmail options.mk (2017Q1 1.38.2.1: SPECIAL_PERMS on bin/srsfilter,
    README.srs installed to DOCDIR; 2020Q2 1.69: PLIST.srs, READMES+= README.srs): a
    qmail-srs build installs bin/srsfilter and README.srs; the help says so, and the
    simulated package does it (and only with the option)."""
    from tui.backend.catalog.tables import OPTIONS
    from tui.sandbox.programs import package_programs

    help_text = OPTIONS["qmail-srs"].text
    assert "srsfilter" in help_text and "README.srs" in help_text
    assert package_programs("qmail", ["qmail-srs"]).get("bin/srsfilter") == "srsfilter"
    assert "bin/srsfilter" not in package_programs("qmail", [])
