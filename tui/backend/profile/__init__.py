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
probed host).
"""

from .dumping import dump
from .loading import Loaded, load, read
from .model import Profile, defaults_for
from .problems import Problem, ProfileError
from .validation import load_valid, validate

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
