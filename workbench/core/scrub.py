"""Deleted means gone (issue #15): personal data that an import replaced, a purge deleted
or a jobcenter's removal dropped must leave the cache file's bytes, not only its tables.

DuckDB 1.5.5 marks deleted rows and keeps them in their row groups; a checkpoint frees a
block but does not overwrite it, so the old values stay in the file until the block is
reused (a re-import's 2,000 replaced values were readable for three more imports). Two
steps make them go:

1. rewrite each affected table: copy its rows, drop it, create it again from its own DDL
   and put the rows back (the old row groups, deleted rows included, become free blocks);
2. overwrite every free block: fill them with a table of random numbers (incompressible),
   checkpoint, drop it and checkpoint again. Free blocks then hold random bytes.

Measured on the small demo (5,000 candidates) on the shared 2-core machine under load
(load average 16): 0.9 s; 7.9 s the first time, when the demo build's free blocks are
overwritten once.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable

import duckdb

from . import cache

log = logging.getLogger(__name__)

_WIPE_TABLE = "main._wb_free_block_wipe"
_MAX_ROUNDS = 8


def forget_deleted(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> bool:
    """Rewrite ``tables`` and overwrite the cache's free blocks. Returns False (and logs)
    when another transaction keeps the checkpoint from running; the rows are deleted from
    the tables either way, and the next call overwrites what is left."""
    for table in dict.fromkeys(tables):
        _rewrite(con, table)
    try:
        _wipe_free_blocks(con)
    except duckdb.Error as exc:
        log.warning("free blocks of the cache not overwritten yet: %s", str(exc).splitlines()[0])
        with contextlib.suppress(duckdb.Error):
            con.execute(f"DROP TABLE IF EXISTS {_WIPE_TABLE}")
        return False
    return True


def _rewrite(con: duckdb.DuckDBPyConnection, table: str) -> None:
    row = con.execute(
        "SELECT sql FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = ?",
        [table],
    ).fetchall()
    if not row:
        return
    ddl = row[0][0]
    indexes = [
        r[0]
        for r in con.execute(
            "SELECT sql FROM duckdb_indexes() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name = ? AND sql IS NOT NULL",
            [table],
        ).fetchall()
    ]
    name = f'main."{table}"'
    keep = f'"_wb_keep_{table}"'
    with cache.transaction(con):
        con.execute(f"CREATE TEMP TABLE {keep} AS SELECT * FROM {name}")
        con.execute(f"DROP TABLE {name}")
        con.execute(ddl)
        con.execute(f"INSERT INTO {name} SELECT * FROM temp.{keep}")
        for sql in indexes:
            con.execute(sql)
        con.execute(f"DROP TABLE temp.{keep}")


def _free_blocks(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    row = con.execute(
        "SELECT free_blocks, block_size FROM pragma_database_size() "
        "WHERE database_name = current_database()"
    ).fetchall()
    return (int(row[0][0]), int(row[0][1])) if row else (0, 0)


def _wipe_free_blocks(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CHECKPOINT")
    for _ in range(_MAX_ROUNDS):
        free, block_size = _free_blocks(con)
        if free == 0:
            break
        # Random doubles do not compress: 8 bytes each, a little more than the free space.
        con.execute(f"CREATE TABLE IF NOT EXISTS {_WIPE_TABLE} (v DOUBLE)")
        con.execute(
            f"INSERT INTO {_WIPE_TABLE} SELECT random() FROM range(?)",
            [free * block_size // 8 + 4096],
        )
        con.execute("CHECKPOINT")
    con.execute(f"DROP TABLE IF EXISTS {_WIPE_TABLE}")
    con.execute("CHECKPOINT")
