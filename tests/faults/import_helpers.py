"""Helpers for the import fault suite: a fingerprint of every table of a cache.

An import either replaces a jobcenter's rows with exactly the good rows of the file or
changes nothing; the bookkeeping tables (``refresh_log``, ``<table>_rejects``, the audit log)
record every run and may only grow.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import duckdb

BOOKKEEPING = ("refresh_log", "audit_log")


def is_bookkeeping(table: str) -> bool:
    return table in BOOKKEEPING or table.endswith("_rejects")


def table_hashes(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, str]]:
    """``{table: (row count, sha256 of its rows in a canonical order)}`` for every table of
    the ``main`` schema."""
    out: dict[str, tuple[int, str]] = {}
    tables = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1"
    ).fetchall()
    for (table,) in tables:
        rows = con.execute(f'SELECT * FROM "{table}"').fetchall()
        digest = hashlib.sha256()
        for line in sorted(repr(r) for r in rows):
            digest.update(line.encode("utf-8", "surrogatepass"))
            digest.update(b"\n")
        out[table] = (len(rows), digest.hexdigest())
    return out


@dataclass(frozen=True)
class Change:
    """What happened to the cache between two :func:`table_hashes`."""

    changed: tuple[str, ...]  # data tables whose rows differ
    bookkeeping_shrunk: tuple[str, ...]  # bookkeeping tables that lost rows

    @property
    def data_unchanged(self) -> bool:
        return not self.changed and not self.bookkeeping_shrunk


def compare(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> Change:
    changed, shrunk = [], []
    for table in sorted(set(before) | set(after)):
        b, a = before.get(table, (0, "")), after.get(table, (0, ""))
        if is_bookkeeping(table):
            if a[0] < b[0]:
                shrunk.append(table)
        elif a != b:
            changed.append(table)
    return Change(tuple(changed), tuple(shrunk))
