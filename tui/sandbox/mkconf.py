"""Read ``/etc/mk.conf`` as NetBSD make(1) does when pkgsrc includes it.

Handles what admins and the wizard write there: ``VAR=``, ``VAR+=``, ``VAR?=``,
``VAR:=`` (``VAR!=`` is ignored: no shell), comments (``\\#`` escapes), line
continuations, ``${VAR}`` references (modifiers are ignored), and the
conditional directives ``.if/.ifdef/.ifndef/.elif/.else/.endif`` with
``defined()``, ``empty()``, ``make()``, ``!``, ``&&``, ``||``, parentheses and
``==``/``!=`` comparisons.  ``.include`` of an existing absolute path is read;
other directives are skipped.  The usual bootstrap block
``.ifdef BSD_PKG_MK ... .endif`` holds because pkgsrc defines ``BSD_PKG_MK``.
"""

from __future__ import annotations

import os
import re

from .flavors import ACCOUNT_DEFAULTS, LOCALBASE, QMAIL_QUEUE_DIR, QMAILDIR

MK_CONF = "/etc/mk.conf"
ASSIGN_RE = re.compile(r"^([A-Za-z0-9_.\-]+)\s*(\+=|\?=|:=|!=|=)\s*(.*)$")
DIRECTIVE_RE = re.compile(r"^\.\s*([a-z]+)\b\s*(.*)$")
REF_RE = re.compile(r"\$(?:\{([^}:]+)(?::[^}]*)?\}|\(([^):]+)(?::[^)]*)?\))")

#: What pkgsrc defines before it includes mk.conf (bsd.prefs.mk).
PKGSRC_CONTEXT = {
    "BSD_PKG_MK": "yes",
    "OPSYS": "NetBSD",
    "LOCALBASE": LOCALBASE,
    "PREFIX": LOCALBASE,
    "VARBASE": "/var",
    "PKGSRCDIR": "/usr/pkgsrc",
    "PKG_SYSCONFBASE": f"{LOCALBASE}/etc",
}

#: mk/defaults/mk.conf (``?=`` lines) for the qmail variables (facts §3.1).
QMAIL_DEFAULTS = dict(
    ACCOUNT_DEFAULTS, QMAILDIR=QMAILDIR, QMAIL_QUEUE_DIR=QMAIL_QUEUE_DIR, QMAIL_QUEUE_EXTRA=""
)


def logical_lines(text: str) -> list[str]:
    """Lines with comments removed and backslash continuations joined."""
    out, pending = [], ""
    for raw in text.splitlines():
        line = _strip_comment(raw)
        if line.endswith("\\") and not line.endswith("\\\\"):
            pending += line[:-1].rstrip() + " "
            continue
        out.append((pending + line.lstrip() if pending else line).strip())
        pending = ""
    if pending:
        out.append(pending.strip())
    return [line for line in out if line]


def _strip_comment(line: str) -> str:
    result, i = [], 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line) and line[i + 1] == "#":
            result.append("#")
            i += 2
            continue
        if ch == "#":
            break
        result.append(ch)
        i += 1
    return "".join(result).rstrip()


def expand(value: str, variables: dict, depth: int = 0) -> str:
    """Substitute ``${VAR}`` references (undefined ones become empty)."""
    if depth > 20:
        return value

    def sub(match):
        name = match.group(1) or match.group(2)
        return expand(variables.get(name, ""), variables, depth + 1)

    return REF_RE.sub(sub, value).replace("$$", "$")


def parse(text: str, context: dict | None = None, _vars: dict | None = None) -> dict:
    """The variables after reading ``text`` (values expanded), context included."""
    raw = dict(context or {}) if _vars is None else _vars
    stack: list[list[bool]] = []  # [active, any_branch_taken]

    def active() -> bool:
        return all(frame[0] for frame in stack)

    for line in logical_lines(text):
        directive = DIRECTIVE_RE.match(line)
        if directive:
            word, rest = directive.groups()
            if word in ("if", "ifdef", "ifndef", "ifmake", "ifnmake"):
                taken = active() and _condition(word, rest, raw)
                stack.append([taken, taken])
            elif word == "elif" and stack:
                frame = stack[-1]
                taken = (
                    not frame[1] and all(f[0] for f in stack[:-1]) and _condition("if", rest, raw)
                )
                frame[0], frame[1] = taken, frame[1] or taken
            elif word == "else" and stack:
                frame = stack[-1]
                frame[0], frame[1] = not frame[1], True
            elif word == "endif" and stack:
                stack.pop()
            elif word in ("include", "sinclude", "-include") and active():
                path = expand(rest.strip().strip('"<>'), raw)
                if path.startswith("/") and os.path.isfile(path):
                    with open(path) as fh:
                        parse(fh.read(), _vars=raw)
            elif word == "undef" and active():
                raw.pop(rest.strip(), None)
            continue
        if not active():
            continue
        assign = ASSIGN_RE.match(line)
        if not assign:
            continue
        name, op, value = assign.groups()
        if op == "=":
            raw[name] = value
        elif op == "+=":
            raw[name] = f"{raw[name]} {value}".strip() if raw.get(name) else value
        elif op == "?=":
            raw.setdefault(name, value)
        elif op == ":=":
            raw[name] = expand(value, raw)
    if _vars is not None:
        return raw
    return {name: expand(value, raw) for name, value in raw.items()}


def read(path: str = MK_CONF, context: dict | None = None) -> dict:
    """``parse`` of the file at ``path`` (a missing file defines nothing)."""
    try:
        with open(path) as fh:
            text = fh.read()
    except FileNotFoundError:
        text = ""
    return parse(text, context)


def option_words(variables: dict, pkgbase: str) -> tuple[list[str], list[str]]:
    """(PKG_DEFAULT_OPTIONS words, PKG_OPTIONS.<pkgbase> words)."""
    return (
        variables.get("PKG_DEFAULT_OPTIONS", "").split(),
        variables.get(f"PKG_OPTIONS.{pkgbase}", "").split(),
    )


def qmail_vars(variables: dict) -> dict:
    """QMAIL_* names, dirs and extra recipient: mk.conf values over pkgsrc defaults."""
    values = {}
    for name, default in QMAIL_DEFAULTS.items():
        value = variables.get(name)
        values[name] = value.strip() if value is not None else default
    return values


# -- conditions -------------------------------------------------------------

TOKEN_RE = re.compile(
    r"""\s*(\(|\)|!=|==|<=|>=|<|>|!|&&|\|\||"(?:[^"\\]|\\.)*"|"""
    r"""[A-Za-z_]+\([^)]*\)|\$\{[^}]*\}|\$\([^)]*\)|[^\s()!&|=<>"]+)"""
)


def _condition(word: str, rest: str, variables: dict) -> bool:
    rest = rest.strip()
    if word in ("ifdef", "ifndef"):
        value = any(name in variables for name in re.findall(r"[A-Za-z0-9_.\-]+", rest))
        return value if word == "ifdef" else not value
    if word in ("ifmake", "ifnmake"):
        return word == "ifnmake"
    try:
        return _expr(_tokens(rest), variables)
    except (IndexError, ValueError):
        return False


def _tokens(text: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(text):
        match = TOKEN_RE.match(text, pos)
        if not match or match.end() == pos:
            raise ValueError(text)
        tokens.append(match.group(1))
        pos = match.end()
        if not text[pos:].strip():
            break
    return tokens


def _expr(tokens: list[str], variables: dict) -> bool:
    value, rest = _or(tokens, variables)
    if rest:
        raise ValueError(rest)
    return value


def _or(tokens, variables):
    value, tokens = _and(tokens, variables)
    while tokens and tokens[0] == "||":
        right, tokens = _and(tokens[1:], variables)
        value = value or right
    return value, tokens


def _and(tokens, variables):
    value, tokens = _not(tokens, variables)
    while tokens and tokens[0] == "&&":
        right, tokens = _not(tokens[1:], variables)
        value = value and right
    return value, tokens


def _not(tokens, variables):
    if tokens[0] == "!":
        value, tokens = _not(tokens[1:], variables)
        return not value, tokens
    if tokens[0] == "(":
        value, tokens = _or(tokens[1:], variables)
        if not tokens or tokens[0] != ")":
            raise ValueError("missing )")
        return value, tokens[1:]
    return _compare(tokens, variables)


def _term(token: str, variables: dict) -> str:
    if token.startswith('"'):
        return expand(token[1:-1], variables)
    return expand(token, variables)


def _compare(tokens, variables):
    first = tokens[0]
    call = re.match(r"^(defined|empty|make|exists|target|commands)\((.*)\)$", first)
    if call:
        func, arg = call.groups()
        name = arg.split(":", 1)[0]
        if func == "defined":
            return name in variables, tokens[1:]
        if func == "empty":
            value = expand(variables.get(name, ""), variables)
            if ":M" in arg:
                pattern = arg.split(":M", 1)[1]
                regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
                value = " ".join(w for w in value.split() if re.fullmatch(regex, w))
            return not value.strip(), tokens[1:]
        if func == "exists":
            return os.path.exists(expand(arg, variables)), tokens[1:]
        return False, tokens[1:]
    left = _term(first, variables)
    if len(tokens) >= 3 and tokens[1] in ("==", "!=", "<", ">", "<=", ">="):
        right = _term(tokens[2], variables)
        op = tokens[1]
        try:
            a, b = float(left), float(right)
        except ValueError:
            a, b = left, right
        result = {"==": a == b, "!=": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[
            op
        ]
        return result, tokens[3:]
    return left.strip() not in ("", "0"), tokens[1:]
