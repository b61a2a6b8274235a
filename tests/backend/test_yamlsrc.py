"""Plain-YAML loading with line numbers; everything else refused with file and line."""

from __future__ import annotations

import pytest

from tui.backend.profile.yamlsrc import SourceError, load


def test_values_and_their_lines():
    doc = load("version: 1\nmail:\n  locals: [a.org, b.org]\n  when: 2020-01-01\n", "p.yaml")
    assert doc.data == {"version": 1, "mail": {"locals": ["a.org", "b.org"], "when": "2020-01-01"}}
    assert doc.line(("mail", "locals", 1)) == 3
    assert doc.line(("mail", "when")) == 4
    assert doc.line(("mail", "nothing", "here")) == 2


@pytest.mark.parametrize(
    "text, message",
    [
        ("a: &x 1\nb: *x\n", "p.yaml:1: YAML anchors and aliases are not allowed"),
        ("a: !!python/object:os.system ls\n", "p.yaml:1: the YAML tag"),
        ("x: 1\nx: 2\n", "p.yaml:2: key 'x' appears twice"),
        ("[1, 2", "p.yaml:1: not valid YAML"),
        ("a: 1\n---\nb: 2\n", "expected one YAML document, found 2"),
        ("[" * 50 + "]" * 50, "nested too deeply"),
        (b"\xff\xfeversion", "not UTF-8 text"),
        ("? [a, b]\n: 1\n", "mapping keys must be plain scalars"),
    ],
)
def test_refusals_name_file_and_line(text, message):
    with pytest.raises(SourceError) as err:
        load(text, "p.yaml")
    assert message in str(err.value)


def test_billion_laughs_is_refused_before_expansion():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)
    )
    with pytest.raises(SourceError, match="anchors and aliases"):
        load(bomb, "bomb.yaml")
