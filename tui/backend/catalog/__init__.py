"""The qmail build-option catalog: what ``PKG_OPTIONS.qmail`` may say on a given host.

A :class:`Catalog` (:mod:`.vocabulary`: the words and what they mean) is read from
the host by :mod:`.readers` (``make show-options`` in the pkgsrc tree, or a binary
package's ``+BUILD_INFO``) or, as a fallback, taken from the built-in table of one
pkgsrc era.  The built-in tables (:mod:`.tables`, data only) also supply what the host
cannot print: help text, costs, implications and what became of options a host no
longer (or not yet) offers.  :func:`for_host` picks the reader for a probed host.
"""

from .readers import builtin, for_host, from_build_info, from_show_options
from .tables import ERAS, OPTIONS, OptionInfo
from .vocabulary import Catalog, CatalogError

__all__ = [
    "ERAS",
    "OPTIONS",
    "Catalog",
    "CatalogError",
    "OptionInfo",
    "builtin",
    "for_host",
    "from_build_info",
    "from_show_options",
]
