"""Fingerprints of a cache's contents: one hash per table over all its rows (order-free)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from workbench.core import cache

# Bookkeeping that changes on every run by design (the run's own log, its rejects).
IGNORED = ("refresh_log", "audit_log")
# Columns that say when a run happened, not what it loaded.
VOLATILE = ("refreshed_at",)


def table_hashes(path: Path | duckdb.DuckDBPyConnection) -> dict[str, tuple[int, str | None]]:
    """``{table: (row count, hash of the sorted row hashes)}`` for every table of ``main``
    (of the cache file ``path``, or of an open connection)
    except the run bookkeeping (``refresh_log``, ``audit_log``, ``*_rejects``); columns in
    ``VOLATILE`` are left out of the row hashes."""
    own = not isinstance(path, duckdb.DuckDBPyConnection)
    con = cache.connect(path, read_only=True) if own else path.cursor()
    try:
        columns: dict[str, list[str]] = {}
        for table, column in con.execute(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE c.table_schema = 'main' AND t.table_type = 'BASE TABLE' "
            "ORDER BY c.table_name, c.ordinal_position"
        ).fetchall():
            if table in IGNORED or table.endswith("_rejects") or column in VOLATILE:
                continue
            columns.setdefault(table, []).append(column)
        # One query for all tables: a query per table costs more than the hashing.
        parts = [
            f"SELECT {_literal(table)} AS t, count(*) AS n, "
            f"md5(string_agg(md5(CAST(row({', '.join(_q(c) for c in cols)}) AS VARCHAR)), ',' "
            f"ORDER BY md5(CAST(row({', '.join(_q(c) for c in cols)}) AS VARCHAR)))) AS h "
            f"FROM main.{_q(table)}"
            for table, cols in columns.items()
        ]
        rows = con.execute(" UNION ALL ".join(parts)).fetchall()
        return {t: (int(n), h) for t, n, h in sorted(rows)}
    finally:
        con.close()  # a cursor of a given connection closes only itself


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _q(ident: str) -> str:
    return '"' + ident.replace('"', '""') + '"'
