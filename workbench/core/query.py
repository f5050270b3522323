"""Running compiled filters against the cache.

Results for the map and the virtual tables come back as numpy arrays (``rid``, ``x``, ``y``),
never as one Python object per row; only a page of rows for display or a ``--limit`` of
rows for the command line becomes dicts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import numpy as np

from .collaboration import active_sql
from .filters import Entity, Filter, compile_where
from .schema import ENTITY_COLUMNS, ENTITY_TABLES
from .store.rows import person_rows

DEFAULT_ORDER: dict[str, str] = {
    "candidates": "t.unemployed_since ASC NULLS LAST, t.candidate_id",
    "companies": "t.employees DESC NULLS LAST, t.cvr, t.pnr NULLS FIRST",
    "postings": "t.posted DESC NULLS LAST, t.posting_id",
}


@dataclass(frozen=True)
class Points:
    """Matches of a filter in display order: row keys and EPSG:25832 coordinates."""

    rid: np.ndarray  # int64
    x: np.ndarray  # float64, NaN where not placed
    y: np.ndarray

    def __len__(self) -> int:
        return int(self.rid.shape[0])

    @classmethod
    def empty(cls) -> Points:
        return cls(np.empty(0, np.int64), np.empty(0, np.float64), np.empty(0, np.float64))


@dataclass(frozen=True)
class SearchResult:
    total: int
    items: list[dict[str, Any]]


def _from(entity: Entity) -> str:
    return f"{ENTITY_TABLES[entity]} AS t"


def _exact_mask(flt: Filter, x: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """The exact spatial-selection test on matches the SQL bounding box let through."""
    if flt.selection is None:
        return None
    return flt.spatial_selection().covers_xy(x, y)


def count(
    con: duckdb.DuckDBPyConnection, entity: Entity, flt: Filter, *, strict: bool = True
) -> int:
    if flt.selection is not None:
        return len(points(con, entity, flt, strict=strict, ordered=False))
    c = compile_where(entity, flt, strict=strict)
    return int(
        con.execute(f"SELECT count(*) FROM {_from(entity)} WHERE {c.where}", c.params).fetchone()[0]
    )


def clause_counts(
    con: duckdb.DuckDBPyConnection, entity: Entity, flt: Filter, *, strict: bool = False
) -> list[tuple[str, int, int]]:
    """Per named clause of the compiled filter, in order: ``(name, rows passing the clause
    alone, rows passing it and every clause before it)`` in one scan (a "why not" funnel).
    A spatial selection counts by its bounding box here (the exact test runs in numpy)."""
    clauses = compile_where(entity, flt, strict=strict).clauses
    # The user's scope is not a criterion: it bounds every count (no counts from outside it).
    scope = [c for c in clauses if c.name == "scope"]
    clauses = [c for c in clauses if c.name != "scope"]
    if not clauses:
        return []
    cols: list[str] = []
    params: list[Any] = []
    for i, c in enumerate(clauses):
        cols.append(f"count(*) FILTER (WHERE {c.sql})")
        params.extend(c.params)
        cols.append(f"count(*) FILTER (WHERE {' AND '.join(k.sql for k in clauses[: i + 1])})")
        params.extend(p for k in clauses[: i + 1] for p in k.params)
    where = f" WHERE {scope[0].sql}" if scope else ""
    params.extend(scope[0].params if scope else [])
    row = con.execute(f"SELECT {', '.join(cols)} FROM {_from(entity)}{where}", params).fetchall()[0]
    return [(c.name, int(row[2 * i]), int(row[2 * i + 1])) for i, c in enumerate(clauses)]


def search(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    flt: Filter,
    *,
    limit: int = 100,
    offset: int = 0,
    strict: bool = True,
) -> SearchResult:
    """Total number of matches and up to ``limit`` rows with the schema's column names."""
    pts = points(con, entity, flt, strict=strict, ordered=True)
    page = pts.rid[int(offset) : int(offset) + int(limit)]
    return SearchResult(len(pts), person_rows(con, entity, page, scope=flt.scope))


def iter_rows(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    flt: Filter,
    *,
    limit: int | None = None,
    offset: int = 0,
    strict: bool = True,
    batch: int = 10_000,
) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """The column names and the matching rows (all of them when ``limit`` is None) in
    display order, fetched ``batch`` rows at a time: an export of 1M rows never holds them
    all as Python objects. Read the rows before ``con`` is used for anything else."""
    columns = list(ENTITY_COLUMNS[entity])
    stop = None if limit is None else int(offset) + int(limit)
    rids = points(con, entity, flt, strict=strict, ordered=True).rid[int(offset) : stop]

    def fetch() -> Iterator[tuple[Any, ...]]:
        # Through the Store's one person-row read, a batch at a time.
        for start in range(0, rids.shape[0], batch):
            chunk = rids[start : start + batch]
            for row in person_rows(con, entity, chunk, columns, scope=flt.scope):
                yield tuple(row[c] for c in columns)

    return columns, fetch()


def points(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    flt: Filter,
    *,
    strict: bool = False,
    ordered: bool = True,
) -> Points:
    """All matches as arrays (rows without coordinates have NaN x/y).

    ``ordered`` returns them in display order (the row order of the result tables); the map
    does not need an order, and sorting 1M rows costs more than the filter itself.
    """
    c = compile_where(entity, flt, strict=strict)
    order = f" ORDER BY {DEFAULT_ORDER[entity]}" if ordered else ""
    sql = (
        f"SELECT t.rid, coalesce(t.x, 'NaN'::DOUBLE) AS x, coalesce(t.y, 'NaN'::DOUBLE) AS y "
        f"FROM {_from(entity)} WHERE {c.where}{order}"
    )
    arrays = con.execute(sql, c.params).fetchnumpy()
    rid = np.asarray(arrays["rid"], dtype=np.int64)
    x = np.asarray(arrays["x"], dtype=np.float64)
    y = np.asarray(arrays["y"], dtype=np.float64)
    mask = _exact_mask(flt, x, y)
    if mask is not None:
        rid, x, y = rid[mask], x[mask], y[mask]
    return Points(rid, x, y)


def rows_by_rid(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    rids: Sequence[int] | np.ndarray,
    columns: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """The rows with these keys, in the order given: ``Store.person_rows`` for code that
    holds a cursor."""
    return person_rows(con, entity, rids, columns)


def unemployment_days(
    con: duckdb.DuckDBPyConnection, flt: Filter, *, strict: bool = False
) -> np.ndarray:
    """Days unemployed (as of the filter's reference date) of all matching candidates."""
    c = compile_where("candidates", flt, strict=strict)
    today = flt.reference_date()
    xy = (
        ", coalesce(t.x, 'NaN'::DOUBLE) AS x, coalesce(t.y, 'NaN'::DOUBLE) AS y"
        if flt.selection is not None
        else ""
    )
    sql = (
        f"SELECT date_diff('day', t.unemployed_since, ?::DATE) AS d{xy} FROM candidates AS t "
        f"WHERE t.unemployed_since IS NOT NULL AND {c.where}"
    )
    arrays = con.execute(sql, [today, *c.params]).fetchnumpy()
    days = np.asarray(arrays["d"], dtype=np.int64)
    if flt.selection is not None:
        x = np.asarray(arrays["x"], dtype=np.float64)
        y = np.asarray(arrays["y"], dtype=np.float64)
        days = days[_exact_mask(flt, x, y)]
    return days


def histogram(days: np.ndarray, edges: Sequence[int]) -> np.ndarray:
    """Counts per bin ``[edges[i], edges[i+1])``; the last bin is open-ended."""
    edges_arr = np.asarray(edges, dtype=np.int64)
    idx = np.searchsorted(edges_arr, days, side="right") - 1
    idx = idx[idx >= 0]
    return np.bincount(idx, minlength=len(edges_arr))[: len(edges_arr)]


def jsonable(value: Any) -> Any:
    """Convert DuckDB values (dates, lists, numpy scalars) into JSON-friendly ones."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def display_rank(con: duckdb.DuckDBPyConnection, entity: Entity) -> np.ndarray:
    """Position in display order (the tables' default order) per rid: ``rank[rid]``, -1 for
    rids without a row. Sorting the whole table once (~0.3 s for 1M companies) lets every
    later filter result be put in display order in a few ms (:func:`in_display_order`)
    instead of an ORDER BY per query (~0.5 s for 1M)."""
    sql = f"SELECT t.rid FROM {_from(entity)} ORDER BY {DEFAULT_ORDER[entity]}"
    order = np.asarray(con.execute(sql).fetchnumpy()["rid"], dtype=np.int64)
    return rank_of(order)


def rank_of(order: np.ndarray) -> np.ndarray:
    """``rank[rid]`` = position of ``rid`` in ``order`` (-1 for rids not in it)."""
    rank = np.full(int(order.max(initial=-1)) + 1, -1, dtype=np.int32)
    rank[order] = np.arange(order.size, dtype=np.int32)
    return rank


def display_points(con: duckdb.DuckDBPyConnection, entity: Entity) -> Points:
    """All rows of ``entity`` in display order: what an unfiltered query returns, sorted
    once; a filter that does not restrict the entity reuses it (no query, no ordering)."""
    sql = (
        f"SELECT t.rid, coalesce(t.x, 'NaN'::DOUBLE) AS x, coalesce(t.y, 'NaN'::DOUBLE) AS y "
        f"FROM {_from(entity)} ORDER BY {DEFAULT_ORDER[entity]}"
    )
    arrays = con.execute(sql).fetchnumpy()
    return Points(
        np.asarray(arrays["rid"], dtype=np.int64),
        np.asarray(arrays["x"], dtype=np.float64),
        np.asarray(arrays["y"], dtype=np.float64),
    )


def _order_of(keys: np.ndarray, size: int) -> np.ndarray:
    """The positions of ``keys`` (distinct, 0 <= key < ``size``) in ascending key order.

    Up to a third of ``size``: one sort of (key << 32 | position) as int64, numpy's vectorised
    sort (0.7 ms for 70k keys, against 3.9 ms for a bucket pass over 1M slots or 1.5 ms for an
    argsort); beyond that a bucket pass over the slots is the cheaper (issue #17)."""
    if 3 * keys.size < size:
        packed = keys.astype(np.int64) << 32
        packed |= np.arange(keys.size, dtype=np.int64)
        packed.sort()
        return (packed & 0xFFFFFFFF).astype(np.int32)
    inv = np.empty(size, dtype=np.int32)
    inv[keys] = np.arange(keys.size, dtype=np.int32)
    flag = np.zeros(size, dtype=bool)
    flag[keys] = True
    return inv[np.flatnonzero(flag)]


def in_display_order(rank: np.ndarray, pts: Points) -> Points:
    """``pts`` (any order) in display order, by the ranks (see :func:`_order_of`).
    Rids the rank does not know (rows added since) follow at the end, in their order."""
    n = len(pts)
    if n == 0:
        return pts
    size = rank.shape[0]
    if int(pts.rid.max()) < size and int(pts.rid.min()) >= 0:
        keys = rank[pts.rid]
    else:
        known = (pts.rid >= 0) & (pts.rid < size)
        keys = np.full(n, -1, dtype=np.int32)
        keys[known] = rank[pts.rid[known]]
    idx_ok = tail = None
    if int(keys.min()) < 0:
        ok = keys >= 0
        idx_ok = np.flatnonzero(ok)
        tail = np.flatnonzero(~ok)
        keys = keys[idx_ok]
    perm = _order_of(keys, size)
    if idx_ok is not None and tail is not None:
        perm = np.concatenate([idx_ok[perm], tail])
    return Points(pts.rid[perm], pts.x[perm], pts.y[perm])


@dataclass(frozen=True)
class CollaborationBits:
    """Per company rid, a bitmask of the collaboration kinds that count for the unit (from
    ``company_collaborations``: those of its whole company, see core.collaboration):
    ``bits[rid]``, one bit per kind in ``kinds`` order; rids past the end have none. Built
    once (a few hundred ms for 1M units), it turns the collaboration filter of scope "all"
    into a numpy mask on the companies' matches instead of a semi-join per query (~100 ms
    for 1M). With :meth:`on_day`, ``active`` holds the kinds active on ``day`` (as
    ``collaboration.active_sql``), so "active" and "former" are masks too (issue #17: their
    two semi-joins cost 50-100 ms per query at 1M)."""

    kinds: tuple[str | None, ...]
    bits: np.ndarray  # int32
    active: np.ndarray | None = None  # int32 like bits: the kinds active on ``day``
    day: date | None = None

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> CollaborationBits | None:
        """None when there are too many kinds for the bitmask (the SQL path is used)."""
        kinds = tuple(
            r[0]
            for r in con.execute(
                "SELECT DISTINCT kind FROM company_collaborations ORDER BY kind NULLS LAST"
            ).fetchall()
        )
        if len(kinds) > 31:
            return None
        return cls(kinds, cls._bits(con, kinds, "TRUE", []))

    @staticmethod
    def _bits(
        con: duckdb.DuckDBPyConnection, kinds: tuple[str | None, ...], where: str, params: list
    ) -> np.ndarray:
        arrays = con.execute(
            "SELECT cb.rid, bit_or(1::INTEGER << (coalesce(list_position(?, cb.kind), ?) - 1)) "
            f"AS b FROM company_collaborations cb WHERE {where} GROUP BY cb.rid",
            [[k for k in kinds if k is not None], len(kinds), *params],
        ).fetchnumpy()
        rid = np.asarray(arrays["rid"], dtype=np.int64)
        b = np.asarray(arrays["b"], dtype=np.int32)
        size = int(rid.max(initial=-1)) + 1
        bits = np.zeros(size, dtype=np.int32)
        bits[rid] = b
        return bits

    def on_day(self, con: duckdb.DuckDBPyConnection, day: date) -> CollaborationBits:
        """These bits with the kinds active on ``day`` (one grouped scan)."""
        active = self._bits(con, self.kinds, active_sql("cb"), [day])
        return CollaborationBits(self.kinds, self.bits, active, day)

    @staticmethod
    def applies(flt: Filter, *, dated: bool = False) -> bool:
        """Whether :meth:`mask` can replace the SQL collaboration filter of ``flt``: scope
        "all", no time window, and none/any/kinds; with ``dated`` also active/former (then
        the bits must be :meth:`on_day` the filter's reference date)."""
        return (
            bool(flt.collaboration)
            and flt.collaboration_scope == "all"
            and flt.collaboration_since is None
            and (dated or not {"active", "former"} & set(flt.collaboration))
        )

    def covers(self, flt: Filter) -> bool:
        """Whether :meth:`mask` gives ``flt``'s collaboration filter with these bits."""
        if not self.applies(flt, dated=True):
            return False
        dated = bool({"active", "former"} & set(flt.collaboration))
        return not dated or (self.active is not None and self.day == flt.reference_date())

    @staticmethod
    def _lookup(bits: np.ndarray, rid: np.ndarray) -> np.ndarray:
        size = bits.shape[0]
        if rid.size and (int(rid.max()) >= size or int(rid.min()) < 0):
            known = (rid >= 0) & (rid < size)
            have = np.zeros(rid.shape[0], dtype=np.int32)
            have[known] = bits[rid[known]]
            return have
        return bits[rid]

    def mask(self, flt: Filter, rid: np.ndarray) -> np.ndarray:
        """Which of the units ``rid`` pass ``flt``'s collaboration filter (if it applies)."""
        have = self._lookup(self.bits, rid)
        if "none" in flt.collaboration:
            return have == 0
        wanted = [k for k in flt.collaboration if k not in ("any", "active", "former")]
        want = -1  # every kind (NULL kinds too), as the SQL without a kind condition
        if wanted:  # kinds, when given, decide
            want = 0
            for k in wanted:
                if k in self.kinds:
                    want |= 1 << self.kinds.index(k)
        has = (have & want) != 0
        if not {"active", "former"} & set(flt.collaboration):
            return has
        if self.active is None or self.day != flt.reference_date():
            raise ValueError("active/former need the bits on the filter's reference date")
        active = (self._lookup(self.active, rid) & want) != 0
        return active if "active" in flt.collaboration else has & ~active


def company_points(
    con: duckdb.DuckDBPyConnection, flt: Filter, collab: CollaborationBits | None
) -> Points:
    """The companies' matches (unordered) like ``points(con, "companies", flt, ordered=False)``
    with the collaboration filter of scope "all" applied through ``collab`` when it covers it."""
    if collab is None or not collab.covers(flt):
        return points(con, "companies", flt, ordered=False)
    pts = points(con, "companies", flt.with_(collaboration=()), ordered=False)
    keep = collab.mask(flt, pts.rid)
    return Points(pts.rid[keep], pts.x[keep], pts.y[keep])
