"""Importing candidates and collaborations from case-system and CRM exports (Qt-free).

An import is a plugin-style source run by the plugin host (staging, rejects, refresh_log,
one-transaction swap): see :func:`import_file`. The pieces:

- :mod:`.reader`: CSV/TSV (Danish Excel) and XLSX files -> an all-VARCHAR table
- :mod:`.spec`: the fields of each kind and the column mapping
- :mod:`.validate`: vectorised checks and conversions in DuckDB, title -> code resolution
- :mod:`.cpr`: CPR detection and masking (CPR numbers never enter the cache)
- :mod:`.profiles`: named column mappings stored in the cache
"""

from .cpr import install_log_scrubber
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
