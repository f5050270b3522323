"""Reading person rows by key: the single read path for table pages, tooltips, details,
command-line output and exports."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import duckdb
import numpy as np

from ..errors import FilterError
from ..schema import ENTITY_COLUMNS, ENTITY_TABLES
from .scope import Scope

# The entities whose rows describe people or firms (the tables a plugin may never declare).
PERSON_ENTITIES: tuple[str, ...] = tuple(ENTITY_TABLES)
_COLUMN = re.compile(r"[a-z_][a-z0-9_]*")


# Up to this many keys go into the SQL as a literal list (an index lookup per key); more are
# joined from a bound array (one scan is cheaper then).
LITERAL_KEYS = 2000


def person_rows(
    con: duckdb.DuckDBPyConnection,
    entity: str,
    rids: Sequence[int] | np.ndarray,
    columns: Sequence[str] | None = None,
    *,
    scope: Scope | None = None,
) -> list[dict[str, Any]]:
    """The rows of ``entity`` with these keys, in the order given, as dicts with the
    schema's column names (all of ``ENTITY_COLUMNS[entity]`` unless ``columns`` narrows
    them). Keys without a row are skipped, and so are candidates outside ``scope``; a
    scope that sees aggregates only (a team lead) gets no candidate rows at all."""
    if entity not in ENTITY_TABLES:
        raise FilterError(f"unknown entity {entity!r}")
    columns = list(columns or ENTITY_COLUMNS[entity])
    bad = [c for c in columns if not _COLUMN.fullmatch(c)]
    if bad:  # column names are spliced into the SQL: plain identifiers only
        raise FilterError(f"not a column name: {', '.join(map(repr, bad))}")
    keys = [int(r) for r in rids]
    if not keys:
        return []
    cond, params = "TRUE", []
    if entity == "candidates" and scope is not None:
        if not scope.rows_allowed:
            return []
        cond, params = scope.candidate_sql("t")
    cols = ", ".join(f"t.{c}" for c in columns)
    if len(keys) <= LITERAL_KEYS:
        # a literal list (ints: nothing spliced but digits) lets DuckDB use the rid index:
        # a page of rows is a lookup, not a scan of the table (issue #17)
        where, key_params = f"t.rid IN ({', '.join(map(str, keys))})", []
    else:
        where, key_params = "t.rid IN (SELECT unnest(?::BIGINT[]))", [keys]
    rel = con.execute(
        f"SELECT t.rid AS __rid, {cols} FROM {ENTITY_TABLES[entity]} AS t WHERE {where} AND {cond}",
        [*key_params, *params],
    )
    by_rid = {row[0]: dict(zip(columns, row[1:], strict=True)) for row in rel.fetchall()}
    return [by_rid[k] for k in keys if k in by_rid]
