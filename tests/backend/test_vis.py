"""vis: control characters as vis(3) octal escapes, everything else untouched."""

from __future__ import annotations

from tui.backend.vis import vis


def test_c0_c1_del_and_stray_bytes_become_octal_escapes():
    assert vis("a\x1b]0;owned\x07b") == "a\\033]0;owned\\007b"
    assert vis("\x00\x7f\x9b") == "\\000\\177\\302\\233"  # C1: its UTF-8 bytes
    assert vis(b"caf\xe9".decode("utf-8", "surrogateescape")) == "caf\\351"
    assert vis("x\ry") == "x\\015y"


def test_tab_markup_and_printable_text_are_kept():
    text = "\t[@click=app.quit] [/] r\u00e9seau \\n ✓"
    assert vis(text) == text


def test_newlines_kept_only_when_asked():
    assert vis("a\nb") == "a\\012b"
    assert vis("a\nb\x1b", keep_newlines=True) == "a\nb\\033"
