"""dot-qmail files (dot-qmail(5)), read as qmail-local does.

Each line, trailing spaces and tabs removed: ``#`` comment; ``|`` program; ``.`` or
``/`` a file, a Maildir when it ends in ``/``, else an mbox; ``+list`` a directive;
anything else, with or without a leading ``&``, a forward address.  An empty file
means default delivery; a blank first line makes qmail-local defer the message; a
file without deliveries (e.g. pkgsrc's comment-only placeholder) discards mail.
"""

from __future__ import annotations

from typing import NamedTuple

from .text import lines as text_lines

PLACEHOLDER = "# pkgsrc says: replace this comment with your config\n"


class Target(NamedTuple):
    kind: str  # "forward", "maildir", "mbox" or "program"
    value: str  # the address, path or command


def targets(text: str) -> list[Target]:
    """The deliveries of a dot-qmail file, in order (none if the first line is blank)."""
    found = []
    for number, row in enumerate(text_lines(text)):
        line = row.rstrip(" \t")
        if not line:
            if number == 0:
                return []
            continue
        first = line[0]
        if first in "#+":
            continue
        if first == "|":
            found.append(Target("program", line[1:]))
        elif first in "./":
            found.append(Target("maildir" if line.endswith("/") else "mbox", line))
        else:
            found.append(Target("forward", line[1:] if first == "&" else line))
    return found


def filename(name: str) -> str:
    """The dot-qmail file of alias ``name``: qmail-local looks ``john.smith`` up as
    ``.qmail-john:smith`` (dots become colons, dot-qmail(5))."""
    return ".qmail-" + name.replace(".", ":")


def is_placeholder(text: str) -> bool:
    """True when the file exists with content but delivers nowhere: mail is thrown
    away (comment-only) or deferred (blank first line) -- pitfall §4.2 item 3."""
    return bool(text) and not targets(text)


def render_forward(target: str) -> str:
    """A dot-qmail file forwarding to ``target`` (a local user or user@domain)."""
    if not target or any(c.isspace() for c in target) or target[0] in "&|./#+":
        raise ValueError(
            f"alias target {target!r} is not an address: give a local user "
            "name or user@domain, without spaces"
        )
    return f"&{target}\n"
