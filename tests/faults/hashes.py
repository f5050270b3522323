"""Fingerprints of a cache's contents: one hash per table over all its rows (order-free)."""

from __future__ import annotations

from pathlib import Path

from workbench.core import cache

# Bookkeeping that changes on every run by design (the run's own log, its rejects).
IGNORED = ("refresh_log", "audit_log")


def table_hashes(path: Path) -> dict[str, tuple[int, str | None]]:
    """``{table: (row count, hash of the sorted row hashes)}`` for every table of ``main``
    except the run bookkeeping (``refresh_log``, ``audit_log``, ``*_rejects``)."""
    con = cache.connect(path, read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1"
            ).fetchall()
            if r[0] not in IGNORED and not r[0].endswith("_rejects")
        ]
        out: dict[str, tuple[int, str | None]] = {}
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            count, digest = con.execute(
                f"SELECT count(*), md5(string_agg(h, ',' ORDER BY h)) "
                f"FROM (SELECT md5(CAST(t AS VARCHAR)) AS h FROM main.{quoted} AS t)"
            ).fetchone()
            out[table] = (int(count), digest)
        return out
    finally:
        con.close()
