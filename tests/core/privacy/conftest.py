"""Fixtures for the privacy tests: a user configured as in issue #15 and a cache that is
not a demo (the audit and retention skip demo caches where they say so)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from workbench.core import cache as wb_cache

OWN = "0101"


def write_user_config(text: str) -> Path:
    """The user's configuration file (the test environment's isolated one)."""
    path = Path(os.environ["WORKBENCH_USER_CONFIG"])
    path.write_text(text, encoding="utf-8")
    return path


def write_machine_config(text: str) -> Path:
    path = Path(os.environ["WORKBENCH_MACHINE_CONFIG"])
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def consultant_0101() -> Path:
    return write_user_config(f'[user]\nname = "kons1"\njobcenter = "{OWN}"\n')


@pytest.fixture
def real_cache(small_demo_cache: Path) -> Path:
    """The small demo's rows in a cache that is not marked as a demo."""
    con = wb_cache.connect(small_demo_cache)
    try:
        con.execute("DELETE FROM cache_meta WHERE key = 'dataset'")
    finally:
        con.close()
    return small_demo_cache


def jobcenters_of(cache: Path | duckdb.DuckDBPyConnection, column: str, values: list) -> set[str]:
    """The jobcenters of the candidates whose ``column`` is in ``values`` (``cache``: a
    path, or a connection already open on it)."""
    sql = f"SELECT DISTINCT jobcenter FROM candidates WHERE {column} IN (SELECT unnest(?))"
    if isinstance(cache, duckdb.DuckDBPyConnection):
        return {r[0] for r in cache.execute(sql, [list(values)]).fetchall()}
    con = wb_cache.connect(cache, read_only=True)
    try:
        return {r[0] for r in con.execute(sql, [list(values)]).fetchall()}
    finally:
        con.close()
