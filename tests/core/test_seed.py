"""The reference seed: public tables only, loaded into empty tables, never over data."""

from __future__ import annotations

from pathlib import Path

from workbench.core import cache
from workbench.core.seed import apply_seed


def _seed_from(demo: Path, folder: Path) -> Path:
    folder.mkdir()
    con = cache.connect(demo, read_only=True)
    try:
        for table in ("municipalities", "occupations", "candidates"):
            con.execute(
                f"COPY {table} TO '{(folder / (table + '.parquet')).as_posix()}' (FORMAT parquet)"
            )
    finally:
        con.close()
    return folder


def test_seed_fills_empty_reference_tables_only(small_demo_cache: Path, tmp_path: Path) -> None:
    seed = _seed_from(small_demo_cache, tmp_path / "seed")
    con = cache.connect(tmp_path / "new.duckdb")
    try:
        assert apply_seed(con, seed) == ["municipalities", "occupations"]
        assert (
            con.execute("SELECT count(*) FROM municipalities WHERE geom IS NOT NULL").fetchone()[0]
            == 99
        )
        assert con.execute("SELECT count(*) FROM candidates").fetchone()[0] == 0  # never persons
        con.execute("DELETE FROM occupations WHERE code <> '5120'")
        assert apply_seed(con, seed) == []  # occupations has rows: kept as they are
        assert con.execute("SELECT count(*) FROM occupations").fetchone()[0] == 1
    finally:
        con.close()
