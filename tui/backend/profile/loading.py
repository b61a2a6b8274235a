"""Load a profile: YAML (through :mod:`.yamlsrc`) into a :class:`~.model.Profile`.

Keys a document leaves out take the model's defaults; unknown keys and wrong types
raise :class:`~.problems.ProfileError` naming the nearest valid key.  Values are
checked by :func:`~.validation.validate`; :func:`load_valid` does both.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import types
import typing
from dataclasses import dataclass

from ..catalog import Catalog
from . import model, yamlsrc
from .model import Profile
from .problems import Problem, ProfileError, keystr, line_at
from .validation import validate


@dataclass(frozen=True)
class Loaded:
    """A loaded profile with the file name and the line of every key path."""

    profile: Profile
    filename: str
    lines: dict
    #: the keys the document left out whose values were derived (mail.defaultdomain ...)
    derived: tuple[str, ...] = ()


def read(source: str | bytes | os.PathLike, filename: str | None = None) -> Loaded:
    """Load a profile from a path (PathLike) or from its text; raise on bad shape."""
    if isinstance(source, os.PathLike):
        filename = filename or os.fspath(source)
        try:
            with open(source, "rb") as fh:
                source = fh.read(yamlsrc.MAX_BYTES + 1)
        except OSError as exc:
            raise ProfileError(
                [Problem(filename, None, "", f"cannot read the profile: {exc.strerror or exc}")]
            ) from None
    filename = filename or "<profile>"
    doc = yamlsrc.load(source, filename)
    shaper = _Shaper(filename, doc.lines)
    profile = shaper.convert(Profile, {} if doc.data is None else doc.data, ())
    if shaper.problems:
        raise ProfileError(shaper.problems)
    return Loaded(profile, filename, doc.lines, _derive(profile, doc.lines))


def load_valid(
    source, catalog: Catalog, users: set[str] | None = None, filename: str | None = None
) -> Profile:
    """Load and validate; raise :class:`ProfileError` listing every problem."""
    loaded = read(source, filename)
    problems = validate(loaded.profile, catalog, users, loaded.filename, loaded.lines)
    if problems:
        raise ProfileError(problems)
    return loaded.profile


def _derive(profile: Profile, lines: dict) -> tuple[str, ...]:
    """Fill the mail values the document leaves out from ``mail.me``; the keys filled."""
    if not profile.mail.me:
        return ()
    filled = []
    for key, value in model.derived_mail(profile.mail.me).items():
        if ("mail", key) not in lines:
            setattr(profile.mail, key, value)
            filled.append(f"mail.{key}")
    if ("mail", "aliases") not in lines:
        filled.append("mail.aliases")  # planned to the host's first human user
    return tuple(filled)


def load(source: str | bytes | os.PathLike, filename: str | None = None) -> Profile:
    """The profile in ``source`` (a path, or YAML text named ``filename``)."""
    return read(source, filename).profile


_KINDS = {
    str: "a string",
    int: "a whole number",
    bool: "a boolean",
    list: "a list",
    dict: "a mapping",
}


def _members(typ) -> tuple:
    """The origins of a type's union members (``str | list[str]`` -> (str, list))."""
    args = typing.get_args(typ) if typing.get_origin(typ) in (typing.Union, types.UnionType) else ()
    return tuple(typing.get_origin(a) or a for a in args) or (typing.get_origin(typ) or typ,)


def _kind(value) -> str:
    if value is None:
        return "nothing (null)"
    for typ in (bool, int, float, str, list, dict):
        if isinstance(value, typ):
            return _KINDS.get(typ, "a number")
    return type(value).__name__


class _Shaper:
    """Converts YAML data to the model's types, recording a problem (and using the
    default) wherever the data has the wrong shape."""

    def __init__(self, filename: str, lines: dict):
        self.filename, self.lines = filename, lines
        self.problems: list[Problem] = []

    def wrong(self, expected: str, at: tuple, got, hint: str = "", key: str = "") -> None:
        if not hint and isinstance(got, (int, float, bool)) and expected.startswith("a string"):
            hint = "put the value in quotes"
        self.problems.append(
            Problem(
                self.filename,
                line_at(self.lines, at),
                key or keystr(at),
                f"wrong type: expected {expected}, got {_kind(got)}",
                got,
                suggestion=hint,
            )
        )

    def convert(self, typ, value, path: tuple):
        """Value of type ``typ`` from YAML data, or the default with a problem recorded."""
        if dataclasses.is_dataclass(typ):
            return self._section(typ, value, path)
        origin = typing.get_origin(typ)
        if origin is list:
            return self._list(value, path)
        if origin is dict:
            return self._dict(value, path, list in _members(typing.get_args(typ)[1]))
        if typ is bool and not isinstance(value, bool):
            self.wrong("true or false", path, value)
            return False
        if typ is int and (isinstance(value, bool) or not isinstance(value, int)):
            self.wrong("a whole number", path, value)
            return 0
        if typ is str and not isinstance(value, str):
            self.wrong("a string", path, value)
            return ""
        return value

    def _section(self, typ, value, path: tuple):
        if value is None and path:
            return typ()
        if not isinstance(value, dict):
            self.wrong("a mapping with the keys " + ", ".join(model.field_names(typ)), path, value)
            return typ()
        hints = typing.get_type_hints(typ)
        valid = [f.name for f in dataclasses.fields(typ)]
        kwargs = {}
        for key, item in value.items():
            if key not in valid:
                self.problems.append(self._unknown_key(key, valid, path))
                continue
            kwargs[key] = self.convert(hints[key], item, path + (key,))
        return typ(**kwargs)

    def _list(self, value, path: tuple) -> list[str]:
        if not isinstance(value, list):
            self.wrong("a list of strings, e.g. [a, b] (write [] for none)", path, value)
            return []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.wrong("a string", path + (i,), item)
        return [item for item in value if isinstance(item, str)]

    def _dict(self, value, path: tuple, lists: bool = False) -> dict:
        """A mapping of strings to strings (or, with ``lists``, to lists of strings)."""
        if not isinstance(value, dict):
            self.wrong("a mapping of strings to strings (write {} for none)", path, value)
            return {}
        out: dict = {}
        for key, item in value.items():
            if not isinstance(key, str):
                self.wrong(
                    "a string as key",
                    path + (key,),
                    key,
                    "put the key in quotes",
                    keystr(path + (str(key),)),
                )
            elif lists and isinstance(item, list):
                out[key] = self._list(item, path + (key,))
            elif isinstance(item, str):
                out[key] = item
            else:
                self.wrong(
                    "a string or a list of strings" if lists else "a string", path + (key,), item
                )
        return out

    def _unknown_key(self, key, valid: list[str], path: tuple) -> Problem:
        name = str(key)
        close = difflib.get_close_matches(name.lower(), valid, n=1)
        if close:
            hint = f"did you mean {close[0]!r}?"
        elif re.search(r"pass(?!wd$)|secret|token|key", name, re.I):
            hint = "secrets never go in a profile; remove it"
        else:
            hint = "remove it"
        return Problem(
            self.filename,
            line_at(self.lines, path + (key,)),
            keystr(path + (name,)),
            "unknown key",
            allowed=", ".join(valid),
            suggestion=hint,
        )
