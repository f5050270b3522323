"""Sorting the result tables by a column, off the GUI thread and without reading the rows.

A table shows up to 1M matches as a ``rid`` array. Sorting by a column is one
``ORDER BY <column>`` over the whole entity table (rids only, ~0.3 s for 1M rows, on the
worker), kept as a rank per rid; every later result (another filter, the other direction of
the same column has its own rank) is then put in that order by the bucket pass of
:func:`~workbench.core.query.in_display_order` in a few ms. Distance to a point is not a
column of the cache: it is sorted with a numpy argsort over the matches' coordinates.
Ties keep the tables' default order; empty values come last in both directions.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from .filters import Filter
from .query import DEFAULT_ORDER, Points, in_display_order, rank_of
from .schema import ENTITY_TABLES


def _danish(expr: str) -> str:
    """Case-insensitive text order with æ, ø, å after z as in Danish (the cache has no
    ICU collation offline): they map to the three ASCII characters that follow 'z'."""
    return f"translate(lower({expr}), 'æøåäö', '{{|}}{{|')"


def _title(table: str, code: str) -> str:
    return f"coalesce((SELECT l.title FROM {table} l WHERE l.code = {code}), {code})"


_KOMMUNE = (
    "coalesce((SELECT m.navn FROM municipalities m WHERE m.kode = t.kommune_kode), t.kommune_kode)"
)

# Column key (as in workbench.qt.models) -> (SQL expression over ``t``, reversed). "days"
# unemployed grows as unemployed_since falls, so it sorts that column the other way round.
SORT_EXPRESSIONS: dict[str, dict[str, tuple[str, bool]]] = {
    "candidates": {
        "candidate_id": ("t.candidate_id", False),
        "kommune": (_danish(_KOMMUNE), False),
        "occupations": (_danish(_title("occupations", "t.occupation_codes[1]")), False),
        "qualifications": (_danish(_title("qualifications", "t.qualification_codes[1]")), False),
        "licences": ("nullif(array_to_string(list_sort(t.driving_licences), ', '), '')", False),
        "unemployed_since": ("t.unemployed_since", False),
        "days": ("t.unemployed_since", True),
        "experience_years": ("t.experience_years", False),
        "cv_searchable": ("t.cv_searchable", False),
    },
    "companies": {
        "name": (_danish("t.name"), False),
        "kommune": (_danish(_KOMMUNE), False),
        "industry": (
            _danish(
                "coalesce(t.industry_text, (SELECT i.title FROM industries i "
                "WHERE i.code = t.industry_code), t.industry_code)"
            ),
            False,
        ),
        "employees": ("t.employees", False),
        "cvr": ("t.cvr", False),
        "pnr": ("t.pnr", False),
        "address": (_danish("nullif(concat_ws(' ', t.address, t.postnr), '')"), False),
    },
}

DISTANCE = "distance"  # the column sorted by coordinates, not by SQL


@dataclass(frozen=True)
class SortKey:
    """A table's sort: a column key and the direction."""

    column: str
    descending: bool = False


def sortable(entity: str, column: str) -> bool:
    return column == DISTANCE or column in SORT_EXPRESSIONS.get(entity, {})


def sort_order(cur: Any, entity: str, key: SortKey) -> np.ndarray:
    """All rids of ``entity`` in the order of ``key`` (NULLs last, ties in display order)."""
    expr, reverse = SORT_EXPRESSIONS[entity][key.column]
    direction = "DESC" if key.descending != reverse else "ASC"
    sql = (
        f"SELECT t.rid FROM {ENTITY_TABLES[entity]} AS t "
        f"ORDER BY {expr} {direction} NULLS LAST, {DEFAULT_ORDER[entity]}"
    )
    return np.asarray(cur.execute(sql).fetchnumpy()["rid"], dtype=np.int64)


def distance_origin(flt: Filter) -> tuple[float, float] | None:
    """Where the distance column measures from: the centre of the map selection (its
    circle's centre, else its area's centroid), else the filter's distance point. None for
    an inverted selection (it has no centre) or when neither is set."""
    sel = flt.spatial_selection()
    if sel is not None:
        if sel.inverted:
            return None
        if sel.kind == "radius" and len(sel.parts) == 1:
            part = sel.parts[0]
            return float(part.cx), float(part.cy)
        c = sel.geometry().centroid
        return (float(c.x), float(c.y)) if not c.is_empty else None
    return flt.near


def distance_km(pts_x: np.ndarray, pts_y: np.ndarray, origin: tuple[float, float]) -> np.ndarray:
    """Straight-line distance in km from ``origin`` (EPSG:25832 metres); NaN where unplaced."""
    return np.hypot(pts_x - origin[0], pts_y - origin[1]) / 1000.0


def sort_by_distance(pts: Points, origin: tuple[float, float], descending: bool = False) -> Points:
    """``pts`` by distance to ``origin`` (stable: ties keep their order; unplaced last)."""
    d = np.hypot(pts.x - origin[0], pts.y - origin[1])
    if descending:
        d = -d
    d = np.where(np.isnan(d), np.inf, d)
    perm = np.argsort(d, kind="stable")
    return Points(pts.rid[perm], pts.x[perm], pts.y[perm])


class TableSorter:
    """Ranks per (entity, key), computed once on a worker and shared by all results.

    Valid while the data stays the same; ``clear`` when the cache's data changes."""

    MAX_RANKS = 8  # ~4 MB each for 1M rows

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ranks: OrderedDict[tuple[str, SortKey], np.ndarray] = OrderedDict()

    def clear(self) -> None:
        with self._lock:
            self._ranks.clear()

    def rank(self, cur: Any, entity: str, key: SortKey) -> np.ndarray:
        with self._lock:
            rank = self._ranks.get((entity, key))
            if rank is not None:
                self._ranks.move_to_end((entity, key))
                return rank
        rank = rank_of(sort_order(cur, entity, key))
        with self._lock:
            self._ranks[(entity, key)] = rank
            while len(self._ranks) > self.MAX_RANKS:
                self._ranks.popitem(last=False)
        return rank

    def sort(
        self,
        cur: Any,
        entity: str,
        pts: Points,
        key: SortKey | None,
        origin: tuple[float, float] | None = None,
    ) -> Points:
        """``pts`` in the order of ``key`` (None, or distance without an origin: unchanged)."""
        if key is None or len(pts) == 0:
            return pts
        if key.column == DISTANCE:
            return pts if origin is None else sort_by_distance(pts, origin, key.descending)
        if not sortable(entity, key.column):
            return pts
        return in_display_order(self.rank(cur, entity, key), pts)
