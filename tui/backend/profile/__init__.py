"""Profiles: the model, and YAML in and out (DESIGN §6 and §8).

- :mod:`.model`: the dataclasses and their defaults (``defaults_for`` a fresh host);
- :mod:`.yamlsrc`: safe YAML that remembers the line of every key;
- :mod:`.loading`: YAML to a ``Profile``; unknown keys and wrong types are problems;
- :mod:`.validation` (with the patterns in :mod:`.rules`): the values against the
  host's option catalog and users;
- :mod:`.dumping`: the whole profile as commented YAML;
- :mod:`.discover`: the profile a probed host already embodies.

Every :class:`Problem` names file, line, key path, the value, what is allowed and,
where one exists, a suggestion.  The names below are the API the rest of the
project imports from here; :mod:`.discover` is imported by its own name (it needs a
probed host).  The names of :mod:`.loading` and :mod:`.dumping` load with their
module when first used: PyYAML costs a start that reads no profile ~40 ms.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .model import Profile, defaults_for
from .problems import Problem, ProfileError
from .validation import validate

if TYPE_CHECKING:
    from .dumping import dump
    from .loading import Loaded, load, load_valid, read

#: name -> the module (importing PyYAML) it is loaded from when first used
_WITH_YAML = {
    "dump": "dumping",
    "Loaded": "loading",
    "load": "loading",
    "load_valid": "loading",
    "read": "loading",
}


def __getattr__(name: str):
    if name not in _WITH_YAML:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WITH_YAML[name]}", __name__), name)


__all__ = [
    "Loaded",
    "Problem",
    "Profile",
    "ProfileError",
    "defaults_for",
    "dump",
    "load",
    "load_valid",
    "read",
    "validate",
]
