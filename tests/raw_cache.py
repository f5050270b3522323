"""Opening a cache file below the workbench's checks, for tests that build old or odd
caches by hand: the file's DuckDB connection with the test key, no migrations."""

from __future__ import annotations

from pathlib import Path

import duckdb

from workbench.core import cache


def raw_connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """The encrypted cache at ``path`` (created if missing) as a bare DuckDB connection."""
    return cache._open(Path(path), read_only, cache.keys.load_key().secret)


def plain_connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """An UNENCRYPTED DuckDB file (tests of plain caches and of scanning file bytes)."""
    return cache._open(Path(path), read_only, None)
