"""Arrays for the map's layers, read from the cache.

The layer models (``workbench.layers``) hold no SQL: the window asks these functions for
arrays (class per rid, statistic per municipality, area geometries) and hands them over.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np

from . import cache
from .cache import scalar
from .collaboration import status_case_sql
from .schema import ENTITY_TABLES
from .shortage import class_sql as shortage_class_sql
from .store.scope import Scope

# Per (entity, style key): a CASE expression over ``t`` giving the class index (0-based, in
# the order of the layer model's classes, see layers.styling) or NULL for "other", and the
# parameters it takes for a reference date.
_StyleSql = tuple[str, Callable[[date], list[Any]]]
STYLE_SQL: dict[tuple[str, str], _StyleSql] = {
    ("candidates", "duration"): (
        "CASE WHEN t.unemployed_since IS NULL THEN NULL "
        "WHEN t.unemployed_since > ? THEN 0 WHEN t.unemployed_since > ? THEN 1 "
        "WHEN t.unemployed_since > ? THEN 2 WHEN t.unemployed_since > ? THEN 3 ELSE 4 END",
        lambda today: [today - timedelta(days=d) for d in (91, 182, 365, 730)],
    ),
    ("candidates", "target_group"): (
        "CASE t.target_group WHEN 'Dagpengemodtager' THEN 0 "
        "WHEN 'Jobparat kontanthjælpsmodtager' THEN 1 "
        "WHEN 'Aktivitetsparat kontanthjælpsmodtager' THEN 2 "
        "WHEN 'Uddannelseshjælpsmodtager' THEN 3 WHEN 'Sygedagpengemodtager' THEN 4 "
        "WHEN 'Ledighedsydelsesmodtager' THEN 5 END",
        lambda today: [],
    ),
    ("companies", "size"): (
        "CASE WHEN t.employees IS NULL THEN NULL WHEN t.employees < 5 THEN 0 "
        "WHEN t.employees < 20 THEN 1 WHEN t.employees < 100 THEN 2 ELSE 3 END",
        lambda today: [],
    ),
    # Per company: the same definition as the collaboration filter and the details,
    # active on the reference date.
    ("companies", "collaboration"): (status_case_sql("t"), lambda today: [today]),
    # Best category of the row's occupations in its municipality (Arbejdsmarkedsbalancen).
    ("candidates", "shortage"): (shortage_class_sql("candidates"), lambda today: []),
    ("companies", "shortage"): (shortage_class_sql("companies"), lambda today: []),
    ("postings", "shortage"): (shortage_class_sql("postings"), lambda today: []),
}


def class_by_rid(
    con: duckdb.DuckDBPyConnection,
    entity: str,
    style: Any,
    today: date,
    scope: Scope | None = None,
) -> np.ndarray:
    """int8 class index per rid (index = rid; -1 = other or no row) for the whole table, for
    the point style ``style`` (its key, or a ``layers.styling.FieldStyle``); candidates
    outside ``scope`` have no class (-1)."""
    key = str(getattr(style, "key", style))
    sql, params = STYLE_SQL[(entity, key)]
    where, where_params = _scope_sql(entity, scope, "t")
    arr = con.execute(
        f"SELECT t.rid, coalesce(({sql}), -1)::TINYINT AS c FROM {ENTITY_TABLES[entity]} AS t "
        f"WHERE {where}",
        [*params(today), *where_params],
    ).fetchnumpy()
    rid = np.asarray(arr["rid"], dtype=np.int64)
    out = np.full(int(rid.max()) + 1 if rid.size else 0, -1, dtype=np.int8)
    out[rid] = np.asarray(arr["c"], dtype=np.int8)
    return out


def _scope_sql(entity: str, scope: Scope | None, alias: str) -> tuple[str, list[Any]]:
    if entity != "candidates" or scope is None:
        return "TRUE", []
    sql, params = scope.candidate_sql(alias)
    return sql, list(params)


def municipality_shapes(
    con: duckdb.DuckDBPyConnection,
) -> list[tuple[str, str, bytes, float | None, float | None, str | None]]:
    """``(kode, navn, wkb, cx, cy, region_kode)`` of every municipality with a geometry."""
    rows = con.execute(
        "SELECT kode, navn, geom, cx, cy, region_kode FROM municipalities "
        "WHERE geom IS NOT NULL ORDER BY kode"
    ).fetchall()
    return [(r[0], r[1], bytes(r[2]), r[3], r[4], r[5]) for r in rows]


def region_shapes(con: duckdb.DuckDBPyConnection) -> list[bytes]:
    """The WKB geometries of the regions (empty when the cache has none)."""
    rows = con.execute("SELECT geom FROM regions WHERE geom IS NOT NULL").fetchall()
    return [bytes(r[0]) for r in rows]


def has_municipality_areas(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(scalar(con, "SELECT count(*) FROM municipalities WHERE geom IS NOT NULL"))


def unemployment_days_by_rid(
    con: duckdb.DuckDBPyConnection, today: date, missing: int, scope: Scope | None = None
) -> np.ndarray:
    """Days unemployed as of ``today`` per candidate rid (``missing`` where unknown or
    outside ``scope``)."""
    where, where_params = _scope_sql("candidates", scope, "t")
    # the day as a literal: the first query after a start binds no parameter (pandas)
    arrays = con.execute(
        f"SELECT rid, date_diff('day', unemployed_since, {cache.date_literal(today)}) AS d "
        f"FROM candidates AS t WHERE unemployed_since IS NOT NULL AND {where}",
        where_params,
    ).fetchnumpy()
    rid = np.asarray(arrays["rid"], dtype=np.int64)
    days = np.full(int(rid.max(initial=-1)) + 1, missing, dtype=np.int64)
    days[rid] = np.asarray(arrays["d"], dtype=np.int64)
    return days


# -- the choropleth's statistic ------------------------------------------------------------

STATISTICS = ("auto", "stats", "long_term_share", "candidates_count")


def statistic(
    con: duckdb.DuckDBPyConnection,
    which: str = "auto",
    *,
    today: date | None = None,
    scope: Scope | None = None,
) -> dict:
    """The statistic for the choropleth: ``{"key", "codes", "values", "counts", "unit",
    "source", "measure", "period"}``. ``auto`` takes the latest period of the most complete
    measure in ``unemployment_stats``, or when that is empty the share of long-term
    unemployed candidates (≥ 365 days) per municipality computed from the cache."""
    if which in ("auto", "stats"):
        # one query, not the pick bound into a second: the window shows this before its
        # first paint, which binds no parameter (DuckDB imports pandas at the first one)
        pick = (
            "SELECT measure, max(period) AS period FROM unemployment_stats "
            "WHERE value IS NOT NULL GROUP BY measure "
            "ORDER BY count(DISTINCT kommune_kode) DESC, measure LIMIT 1"
        )
        rows = con.execute(
            f"WITH pick AS ({pick}) "
            "SELECT s.kommune_kode, avg(s.value), any_value(s.unit), any_value(s.source) "
            "FROM unemployment_stats AS s JOIN pick "
            "ON s.measure = pick.measure AND s.period = pick.period "
            "GROUP BY s.kommune_kode ORDER BY s.kommune_kode"
        ).fetchall()
        # the pick itself: its measure and period, and whether there is one at all (a NULL
        # measure or period picks no rows)
        row = con.execute(pick).fetchall()
        if row:
            measure, period = row[0]
            unit = rows[0][2] or "" if rows else ""
            values = np.array([r[1] for r in rows], dtype=np.float64)
            is_count = unit.lower() not in ("pct", "pct.", "%", "procent", "percent")
            return {
                "key": "stats",
                "codes": [r[0] for r in rows],
                "values": values,
                "counts": values if is_count else None,
                "unit": unit,
                "source": rows[0][3] or "" if rows else "",
                "measure": measure,
                "period": period,
            }
        if which == "stats":
            return {
                "key": "stats",
                "codes": [],
                "values": np.empty(0),
                "counts": None,
                "unit": "",
                "source": "",
                "measure": "",
                "period": "",
            }
    ref = today or date.today()
    # counts from the cache: only the candidates the user may see
    in_scope, scope_params = _scope_sql("candidates", scope, "c")
    if which == "candidates_count":
        rows = con.execute(
            "SELECT m.kode, count(c.rid) FROM municipalities m "
            f"LEFT JOIN candidates c ON c.kommune_kode = m.kode AND {in_scope} "
            "GROUP BY m.kode ORDER BY m.kode",
            scope_params,
        ).fetchall()
        v = np.array([r[1] for r in rows], dtype=np.float64)
        return {
            "key": "candidates_count",
            "codes": [r[0] for r in rows],
            "values": v,
            "counts": v,
            "unit": "personer",
            "source": "cache",
            "measure": "",
            "period": "",
        }
    rows = con.execute(
        "SELECT m.kode, count(c.rid), count(c.rid) FILTER "
        f"(WHERE c.unemployed_since <= {cache.date_literal(ref)} - INTERVAL 365 DAY) "
        f"FROM municipalities m LEFT JOIN candidates c ON c.kommune_kode = m.kode AND {in_scope} "
        "GROUP BY m.kode ORDER BY m.kode",
        scope_params,
    ).fetchall()
    total = np.array([r[1] for r in rows], dtype=np.float64)
    long = np.array([r[2] for r in rows], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, 100.0 * long / total, np.nan)
    # a share reveals its numerator and denominator: suppress when either is below 5
    counts = np.minimum(total, long)
    return {
        "key": "long_term_share",
        "codes": [r[0] for r in rows],
        "values": share,
        "counts": counts,
        "unit": "%",
        "source": "cache",
        "measure": "",
        "period": "",
    }
