"""Host text made safe to show: control characters become visible, like vis(3).

Text from a host (the mail log, a ``.qmail``, a command's output) is data.  Before it
reaches a terminal, every C0 control character (ESC included) but tab, DEL, every C1
control character (U+0080..U+009F), and every byte that was not UTF-8 (kept as a
surrogate escape, see Host.read_text) is shown as the octal escape of ``vis -o``
(VIS_OCTAL): ``\\ooo`` per byte, so ESC is ``\\033`` and a C1 character, two bytes in
UTF-8, is ``\\302\\233``.  Unlike vis, backslashes are not doubled (the output is for
reading, not for unvis): diffs of files with line continuations read as they are.
Newlines stay when ``keep_newlines`` (text shown as lines), else they too are escaped.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\udc80-\udcff]")
_UNSAFE_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\udc80-\udcff]")  # \n kept


def _octal(match: re.Match) -> str:
    data = match.group().encode("utf-8", "surrogateescape")
    return "".join(f"\\{byte:03o}" for byte in data)


def vis(text: str, keep_newlines: bool = False) -> str:
    """``text`` with its control characters (and stray bytes) as visible escapes."""
    return (_UNSAFE_LINES if keep_newlines else _UNSAFE).sub(_octal, text)
