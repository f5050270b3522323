"""Address normalisation for matching (the rules live in the core, :mod:`workbench.core.
address_keys`, so that the core's address look-up and the plugins share them; plugins reach
them through the plugin API)."""

from __future__ import annotations

from workbench.core.plugins.api import (
    house_key,
    house_key_sql,
    match_key,
    match_key_sql,
    postnr_key,
    street_key,
    street_key_sql,
)

__all__ = [
    "house_key",
    "house_key_sql",
    "match_key",
    "match_key_sql",
    "postnr_key",
    "street_key",
    "street_key_sql",
]
