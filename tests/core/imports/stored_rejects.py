"""Reading an import run's rejected rows back from the encrypted rejects file beside the
cache, in the layout of the former rejects CSV (for the tests' assertions)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from workbench.core.imports.rejects_store import columns, location, read_run, table_rows


def stored_rejects(
    con: duckdb.DuckDBPyConnection, run_id: str, lang: str = "en"
) -> list[list[str]]:
    """Header line, then one line per problem: row, column, value, reason, the row's values."""
    found = read_run(location(con), run_id, lang=lang)
    assert found is not None, f"no rejected rows of run {run_id} beside the cache"
    info, records = found
    lines = [columns(info["headers"], lang)]
    lines += [[str(c) for c in row] for row in table_rows(info["headers"], records)]
    return lines


def stored_text(con: duckdb.DuckDBPyConnection, run_id: str, lang: str = "en") -> str:
    return "\n".join(";".join(line) for line in stored_rejects(con, run_id, lang))


def rejects_beside(cache_file: Path) -> Path:
    return cache_file.with_name(cache_file.name + ".rejects.duckdb")
