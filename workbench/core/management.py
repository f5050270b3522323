"""Aggregates for the management view (issue #16): unemployment over time, candidates by
duration and target group, supply of candidates against demand in postings per occupation,
and campaign results, per municipality or for the jobcenter's area. No Qt.

Every count that leaves this module goes through :func:`suppress_small`: a count of 1-4
people (or postings, or campaign targets) is replaced by None, so no chart or export can
show it. Zero stays visible (it reveals no one). The view draws what it gets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar, overload

import duckdb
import numpy as np

from workbench.layers.styling import DURATION

from .layer_data import STYLE_SQL

SUPPRESSION_THRESHOLD = 5
UNKNOWN_GROUP = "Ukendt"
# The campaign statuses of issue #16, in their order; other values follow alphabetically.
# The campaigns' status keys in their order (core/campaigns/model.py), and older spellings.
CAMPAIGN_STATUSES = (
    "planlagt",
    "kontaktet",
    "moede_booket",
    "møde booket",
    "aftale",
    "ikke_interesseret",
    "ikke interesseret",
)
_PCT_UNITS = ("pct", "pct.", "%", "procent", "percent")

K = TypeVar("K")


@overload
def suppress_small(counts: np.ndarray, threshold: int = ...) -> np.ndarray: ...
@overload
def suppress_small(counts: Mapping[K, Any], threshold: int = ...) -> dict[K, int | None]: ...
@overload
def suppress_small(counts: Sequence[Any], threshold: int = ...) -> list[int | None]: ...


def suppress_small(counts: Any, threshold: int = SUPPRESSION_THRESHOLD) -> Any:
    """Counts with every value from 1 to ``threshold - 1`` suppressed.

    A mapping or a sequence gives the same shape with None for a suppressed count; a numpy
    array gives a float array with NaN. Zero and None stay as they are.
    """
    if isinstance(counts, np.ndarray):
        out = counts.astype(np.float64, copy=True)
        out[(out > 0) & (out < threshold)] = np.nan
        return out

    def one(v: Any) -> int | None:
        if v is None or (isinstance(v, float) and v != v):
            return None
        n = int(v)
        return None if 0 < n < threshold else n

    if isinstance(counts, Mapping):
        return {k: one(v) for k, v in counts.items()}
    return [one(v) for v in counts]


# -- areas ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """What the charts cover: ``codes`` are municipality codes (None: every municipality).
    ``key`` is ``jobcenter``, ``all`` or the municipality code; ``name`` the municipality's
    name (the jobcenter's for ``jobcenter``, empty for ``all``): the view words the label."""

    key: str
    name: str
    codes: tuple[str, ...] | None


def areas(con: duckdb.DuckDBPyConnection, jobcenter: str | None = None) -> list[Area]:
    """The jobcenter's area first (when the user has one), all municipalities, then each
    municipality by name."""
    rows = con.execute("SELECT kode, navn FROM municipalities ORDER BY navn").fetchall()
    names = {k: n for k, n in rows}
    out: list[Area] = []
    if jobcenter:
        name = names.get(jobcenter, jobcenter)
        out.append(Area("jobcenter", name, (jobcenter,)))
    out.append(Area("all", "", None))
    out += [Area(k, n, (k,)) for k, n in rows]
    return out


def _in_area(column: str, area: Area) -> tuple[str, list[Any]]:
    if area.codes is None:
        return "TRUE", []
    return f"{column} IN ({', '.join('?' for _ in area.codes)})", list(area.codes)


# -- unemployment over time (statistics) ------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One measure of ``unemployment_stats`` over its periods for an area. ``values`` are
    summed over the area's municipalities (averaged for percentages; ``averaged`` says so);
    counts under the threshold are None."""

    measure: str
    unit: str
    source: str
    periods: list[str]
    values: list[float | None]
    averaged: bool = False


def unemployment_measures(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Measures in ``unemployment_stats``, the most complete (most municipalities) first."""
    rows = con.execute(
        "SELECT measure FROM unemployment_stats WHERE value IS NOT NULL GROUP BY measure "
        "ORDER BY count(DISTINCT kommune_kode) DESC, count(DISTINCT period) DESC, measure"
    ).fetchall()
    return [r[0] for r in rows]


def unemployment_series(
    con: duckdb.DuckDBPyConnection, area: Area, measure: str | None = None
) -> Series | None:
    """The measure (default: the most complete) over time for ``area``; None without data."""
    if measure is None:
        measures = unemployment_measures(con)
        if not measures:
            return None
        measure = measures[0]
    where, params = _in_area("kommune_kode", area)
    meta = con.execute(
        "SELECT any_value(unit), any_value(source) FROM unemployment_stats WHERE measure = ?",
        [measure],
    ).fetchone()
    unit = (meta[0] or "") if meta else ""
    pct = unit.lower() in _PCT_UNITS
    agg = "avg(value)" if pct else "sum(value)"
    rows = con.execute(
        f"SELECT period, {agg} FROM unemployment_stats WHERE measure = ? AND value IS NOT NULL "
        f"AND {where} GROUP BY period ORDER BY period",
        [measure, *params],
    ).fetchall()
    if not rows:
        return None
    values: list[float | None] = [float(r[1]) for r in rows]
    if not pct:  # counts of people
        values = [
            None if v is None else float(v)
            for v in suppress_small([round(v) if v is not None else None for v in values])
        ]
    many = area.codes is None or len(area.codes) > 1
    return Series(
        measure, unit, (meta[1] or "") if meta else "", [r[0] for r in rows], values, pct and many
    )


# -- candidates by duration and target group ------------------------------------------------


@dataclass(frozen=True)
class DurationTable:
    """Candidates per duration band (columns, DURATION's classes) and target group (rows)."""

    bands: tuple[str, ...]  # DURATION class keys, shortest first
    groups: tuple[str, ...]
    # [group][band], suppressed. No totals: a total beside suppressed cells would give
    # them away by subtraction.
    counts: list[list[int | None]]


def candidates_by_duration(
    con: duckdb.DuckDBPyConnection, area: Area, today: date
) -> DurationTable:
    """The area's candidates by unemployment duration (as of ``today``) and target group;
    duration classes as the map's duration style (one definition: layer_data.STYLE_SQL)."""
    band_sql, band_params = STYLE_SQL[("candidates", "duration")]
    where, params = _in_area("t.kommune_kode", area)
    rows = con.execute(
        f"SELECT coalesce(t.target_group, ?) AS g, ({band_sql}) AS b, count(*) "
        f"FROM candidates t WHERE t.unemployed_since IS NOT NULL AND {where} "
        "GROUP BY g, b ORDER BY g, b",
        [UNKNOWN_GROUP, *band_params(today), *params],
    ).fetchall()
    bands = tuple(c.key for c in DURATION.classes)
    groups = tuple(dict.fromkeys(r[0] for r in rows))
    raw = np.zeros((len(groups), len(bands)), dtype=np.int64)
    for g, b, n in rows:
        if b is not None:
            raw[groups.index(g), int(b)] += int(n)
    counts = [suppress_small([int(v) for v in row]) for row in raw]
    return DurationTable(bands, groups, counts)


# -- supply and demand per occupation -----------------------------------------------------


@dataclass(frozen=True)
class SupplyDemand:
    """Per occupation group (4-digit DISCO): candidates with it and postings for it in the
    area, suppressed, with the shortage category in the area when the balance has one."""

    codes: list[str]
    titles: list[str]
    candidates: list[int | None]
    postings: list[int | None]
    shortage: list[str | None]


def supply_and_demand(
    con: duckdb.DuckDBPyConnection, area: Area, *, limit: int = 15
) -> SupplyDemand:
    """The ``limit`` occupation groups with the most candidates or postings in the area."""
    cw, cp = _in_area("c.kommune_kode", area)
    pw, pp = _in_area("p.kommune_kode", area)
    sw, sp = _in_area("s.area_code", area)
    rows = con.execute(
        f"""
        WITH supply AS (
            SELECT left(o.code, 4) AS code, count(DISTINCT o.rid) AS n
            FROM candidate_occupations o JOIN candidates c ON c.rid = o.rid
            WHERE {cw} GROUP BY 1
        ), demand AS (
            SELECT left(p.occupation_code, 4) AS code, count(*) AS n
            FROM job_postings p WHERE p.occupation_code IS NOT NULL AND {pw} GROUP BY 1
        ), balance AS (
            -- the best category any municipality of the area has for the group
            SELECT left(s.occupation_code, 4) AS code,
                   min(CASE s.category WHEN 'mangel' THEN 0 WHEN 'paradoks' THEN 1
                       WHEN 'gode' THEN 2 WHEN 'mindre_gode' THEN 3 END) AS rank
            FROM shortage s WHERE s.period = (SELECT max(period) FROM shortage) AND {sw}
            GROUP BY 1
        )
        SELECT coalesce(s.code, d.code) AS code, coalesce(s.n, 0), coalesce(d.n, 0),
               (SELECT title FROM occupations WHERE code = coalesce(s.code, d.code)), b.rank
        FROM supply s FULL JOIN demand d ON d.code = s.code
        LEFT JOIN balance b ON b.code = coalesce(s.code, d.code)
        """,
        [*cp, *pp, *sp],
    ).fetchall()
    cats = ("mangel", "paradoks", "gode", "mindre_gode")
    out = []
    for code, n_cand, n_post, title, rank in rows:
        sc, sd = suppress_small([n_cand, n_post])
        # rank by what may be shown: suppressed counts do not place an occupation
        out.append(((sc or 0) + (sd or 0), code, title or code, sc, sd, rank))
    out = [r for r in out if r[0] > 0]
    out.sort(key=lambda r: (-r[0], r[1]))
    out = out[:limit]
    return SupplyDemand(
        [r[1] for r in out],
        [r[2] for r in out],
        [r[3] for r in out],
        [r[4] for r in out],
        [None if r[5] is None else cats[int(r[5])] for r in out],
    )


# -- campaign results --------------------------------------------------------------------------


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
        "AND table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def campaign_results(con: duckdb.DuckDBPyConnection, area: Area) -> dict[str, int | None] | None:
    """Campaign targets per status (suppressed), for the area's companies when the targets
    carry a CVR; None when the cache has no ``campaign_targets`` table (no campaigns yet)."""
    cols = _columns(con, "campaign_targets")
    if "status" not in cols:
        return None
    if not con.execute("SELECT count(*) FROM campaign_targets").fetchone()[0]:
        return None  # the table exists in every cache: no targets, no campaigns yet
    if area.codes is not None and "cvr" in cols:
        where, params = _in_area("c.kommune_kode", area)
        pnr = "AND (t.pnr IS NULL OR c.pnr IS NULL OR t.pnr = c.pnr)" if "pnr" in cols else ""
        sql = (
            "SELECT t.status, count(*) FROM campaign_targets t WHERE EXISTS (SELECT 1 FROM "
            f"companies c WHERE c.cvr = t.cvr {pnr} AND {where}) GROUP BY t.status"
        )
    else:
        sql, params = "SELECT t.status, count(*) FROM campaign_targets t GROUP BY t.status", []
    raw = {
        str(s) if s is not None else UNKNOWN_GROUP: int(n)
        for s, n in con.execute(sql, params).fetchall()
    }
    order = [s for s in CAMPAIGN_STATUSES if s in raw] + sorted(
        s for s in raw if s not in CAMPAIGN_STATUSES
    )
    return suppress_small({s: raw[s] for s in order})
