"""Importing candidates and collaborations from case-system and CRM exports (Qt-free).

An import is a plugin-style source run by the plugin host (staging, rejects, refresh_log,
one-transaction swap): see :func:`import_file`. The pieces:

- :mod:`.reader`: CSV/TSV (Danish Excel) and XLSX files -> an all-VARCHAR table
- :mod:`.spec`: the fields of each kind and the column mapping
- :mod:`.validate`: vectorised checks and conversions in DuckDB, title -> code resolution
- :mod:`.cpr`: CPR detection and masking (CPR numbers never enter the cache)
- :mod:`.profiles`: named column mappings stored in the cache
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .cpr import install_log_scrubber

if TYPE_CHECKING:
    from .profiles import (
        Profile,
        ProfileError,
        delete_profile,
        list_profiles,
        load_profile,
        save_profile,
    )
    from .reader import ImportCancelled, TableFile, inspect_file, preview
    from .runner import ImportFailed, ImportSummary, import_file
    from .spec import (
        FIELDS,
        KINDS,
        FieldSpec,
        ImportKind,
        ImportRefused,
        TooManyRejects,
        auto_mapping,
        normalise_header,
        resolve_mapping,
    )

# The names below load their module on first use (PEP 562): the window imports this package
# for ``rejects_store`` at start-up, and the runner and reader bring pyarrow, requests and
# the plugin host with them (~0.15 s before the first paint, issue #17).
_LAZY = {
    **dict.fromkeys(
        ("Profile", "ProfileError", "delete_profile", "list_profiles", "load_profile"),
        "profiles",
    ),
    "save_profile": "profiles",
    **dict.fromkeys(("ImportCancelled", "TableFile", "inspect_file", "preview"), "reader"),
    **dict.fromkeys(("ImportFailed", "ImportSummary", "import_file"), "runner"),
    **dict.fromkeys(
        (
            "FIELDS",
            "KINDS",
            "FieldSpec",
            "ImportKind",
            "ImportRefused",
            "TooManyRejects",
            "auto_mapping",
            "normalise_header",
            "resolve_mapping",
        ),
        "spec",
    ),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "FIELDS",
    "KINDS",
    "FieldSpec",
    "ImportCancelled",
    "ImportFailed",
    "ImportKind",
    "ImportRefused",
    "ImportSummary",
    "Profile",
    "ProfileError",
    "TableFile",
    "TooManyRejects",
    "auto_mapping",
    "delete_profile",
    "import_file",
    "inspect_file",
    "list_profiles",
    "load_profile",
    "normalise_header",
    "preview",
    "resolve_mapping",
    "save_profile",
]

# CPR numbers must not reach any log (file names, values in exception messages).
install_log_scrubber()
