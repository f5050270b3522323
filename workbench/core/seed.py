"""The reference-data seed a bundle may carry (``workbench/resources/seed/*.parquet``, made
by ``packaging/build.py`` from the boundaries and taxonomies plugins): public reference
tables a new installation starts with, so the map shows Denmark before the first refresh.

A seed only fills tables that are empty: it never replaces data a refresh has loaded.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import duckdb

from . import cache
from .store.tables import REFERENCE_TABLES


def seed_dir() -> Path | None:
    res = resources.files("workbench.resources").joinpath("seed")
    return Path(str(res)) if res.is_dir() else None


def apply_seed(con: duckdb.DuckDBPyConnection, folder: Path | None = None) -> list[str]:
    """Load each seed table into the cache where that table is empty; returns the tables
    loaded. Columns are matched by name (a seed from an older build still loads)."""
    folder = folder if folder is not None else seed_dir()
    if folder is None:
        return []
    loaded = []
    with cache.transaction(con):
        for parquet in sorted(folder.glob("*.parquet")):
            table = parquet.stem
            if table not in REFERENCE_TABLES:  # a seed holds public reference data only
                continue
            if cache.scalar(con, f"SELECT count(*) FROM {table}"):
                continue
            path = parquet.as_posix().replace("'", "''")
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet('{path}')")
            loaded.append(table)
        if loaded:
            cache.set_meta(con, "seeded_tables", ",".join(loaded))
    return loaded
