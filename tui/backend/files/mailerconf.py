"""/etc/mailer.conf (mailer.conf(5)): ``name<TAB>program [args]``, ``#`` comments.

mailwrapper(8) uses the first line naming a program, so that line is the effective one.
"""

from __future__ import annotations

from .text import lines as text_lines
from .text import rows as text_rows

POSTFIX_SENDMAIL = "/usr/libexec/postfix/sendmail"


def QMAIL_MAP(prefix: str = "/usr/pkg", qread_client: bool = False) -> dict[str, str]:
    """qmail-run's mailer.conf mapping (facts §5.7); ``qread_client`` for the 2018+
    ``mailq -> qmail-qread-client``."""
    bindir = prefix.rstrip("/") + "/bin"
    return {
        "sendmail": f"{bindir}/sendmail",
        "send-mail": f"{bindir}/sendmail",
        "mailq": f"{bindir}/qmail-qread-client" if qread_client else f"{bindir}/qmail-qread",
        "newaliases": f"{bindir}/newaliases",
        "hoststat": f"{bindir}/qmail-tcpto",
        "purgestat": f"{bindir}/qmail-tcpok",
    }


def parse(text: str) -> dict[str, str]:
    """{name: program} of the effective (first) line of each name."""
    found: dict[str, str] = {}
    for line in text_lines(text):
        words = line.split("#", 1)[0].split()
        if len(words) >= 2:
            found.setdefault(words[0], words[1])
    return found


def selects_postfix(text: str) -> bool:
    """True when ``sendmail`` runs the base system's postfix (rc.d/postfix's check)."""
    return parse(text).get("sendmail") == POSTFIX_SENDMAIL


def switch(text: str, mapping: dict[str, str]) -> str:
    """``text`` with each name's effective line pointing at ``mapping[name]``: edited in
    place (a trailing comment kept), missing names appended; nothing else changes."""
    for name, path in mapping.items():
        if not name or not path or any(c.isspace() or c == "#" for c in name + path):
            raise ValueError(
                f"mailer.conf: cannot map {name!r} to {path!r}: "
                "names and programs are single words without '#'"
            )
    rows = text_rows(text)
    first: dict[str, int] = {}
    for index, row in enumerate(rows):
        words = row.split("#", 1)[0].split()
        if len(words) >= 2:
            first.setdefault(words[0], index)
    missing: list[str] = []
    for name, path in mapping.items():
        at = first.get(name)
        if at is None:
            missing.append(render_line(name, path) + "\n")
            continue
        row = rows[at]
        body = row.rstrip("\n")
        code, hash_, comment = body.partition("#")
        if code.split() == [name, path]:
            continue
        trail = code[len(code.rstrip()) :] if hash_ else ""
        rows[at] = render_line(name, path) + trail + hash_ + comment + row[len(body) :]
    if missing and rows and not rows[-1].endswith("\n"):
        rows[-1] += "\n"
    return "".join(rows + missing)


def render_line(name: str, path: str) -> str:
    """``name`` padded with tabs to column 16, then ``path`` (the shipped layout)."""
    return name + "\t" * max(1, -(-(16 - len(name)) // 8)) + path
