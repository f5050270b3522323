"""What DuckDB spills to disk holds no personal data in plain text (issue #15): the cache's
temp files (``<cache>.tmp``) and the import's scratch connection are encrypted, user-only;
the tile cache holds basemap images under tile coordinates only."""

from __future__ import annotations

import re
import stat
import sys
from pathlib import Path

import pytest

from workbench.core import cache, paths

MARK = b"Zacharias-Quistgaard"
ROWS = 1_500_000  # ~60 MB of text: far above the memory limit below


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def _spill(con, rows: str) -> None:
    """A big sort of person rows into a temporary table under a small memory limit: the
    sorted rows are evicted to temp files, which stay while the table exists."""
    con.execute("SET memory_limit = '64MB'")
    con.execute("SET threads = 1")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"CREATE TEMP TABLE sorted AS {rows} ORDER BY education DESC")


def _candidate_rows(con) -> None:
    # The rid index lives in memory, not in temp files: without it the 64 MB limit below
    # is spent on the sort alone (what this test is about).
    con.execute("DROP INDEX IF EXISTS candidates_rid")
    con.execute(
        "INSERT INTO candidates (rid, candidate_id, jobcenter, education) "
        "SELECT i, 'K' || i::VARCHAR, '0101', "
        "'Zacharias-Quistgaard-' || i::VARCHAR || '-' || md5(i::VARCHAR) FROM range(?) t(i)",
        [ROWS],
    )


@pytest.mark.parametrize("encrypted", [True, False], ids=["encrypted", "plain-control"])
def test_the_cache_spills_encrypted_into_its_own_user_only_folder(tmp_path, encrypted):
    path = tmp_path / "c.duckdb"
    con = cache.connect(path)
    try:
        _candidate_rows(con)
        if not encrypted:  # the control: proves the scan sees a plain spill
            con.execute("SET temp_file_encryption = false")
        _spill(con, "SELECT candidate_id, jobcenter, education FROM candidates")
        temp = path.with_name(path.name + ".tmp")
        spilled = _files(temp)
        assert sum(p.stat().st_size for p in spilled) > 10_000_000  # it did spill
        hits = sum(p.read_bytes().count(MARK) for p in spilled)
        if sys.platform != "win32":
            assert stat.S_IMODE(temp.stat().st_mode) == 0o700
            assert {stat.S_IMODE(p.stat().st_mode) for p in spilled} == {0o600}
    finally:
        con.close()
    if encrypted:
        assert hits == 0
    else:
        assert hits > 1000


def test_the_import_scratch_connection_spills_encrypted(tmp_path):
    con = cache.scratch_connection()
    try:
        con.execute(
            "CREATE TABLE raw AS SELECT 'Zacharias-Quistgaard-' || i::VARCHAR || '-' || "
            "md5(i::VARCHAR) AS education FROM range(?) t(i)",
            [ROWS],
        )
        _spill(con, "SELECT education FROM raw")
        scratch = paths.user_data_dir() / "scratch"
        spilled = _files(scratch)
        assert sum(p.stat().st_size for p in spilled) > 10_000_000
        assert sum(p.read_bytes().count(MARK) for p in spilled) == 0
    finally:
        con.close()


def test_the_tile_cache_holds_images_under_tile_coordinates_only(tmp_path):
    from workbench.layers.tiles import TileCache, TileService, default_tile_root

    service = TileService(url="https://example.invalid/wmts?layer=x&token={token}", token="t0k")
    tiles = TileCache(default_tile_root(), service.key())
    tiles.put(9, 100, 200, b"\x89PNG tile")
    names = [p.relative_to(default_tile_root()).as_posix() for p in _files(default_tile_root())]
    assert names and all(re.fullmatch(r"[0-9a-f]+/\d+/\d+/\d+\.tile", n) for n in names), names
    if sys.platform != "win32":
        folder = default_tile_root() / service.key()
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert b"t0k" not in b"".join(p.read_bytes() for p in _files(default_tile_root()))
