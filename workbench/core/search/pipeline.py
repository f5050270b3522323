"""The query pipeline: one filter in, the map's points and the tables' rows out.

``run_filter`` is what one filter change costs. It runs on the latest-wins runner's worker
(``core.runner``) with that job's cursor: the matches for the map come first (unordered,
handed to ``on_points`` so the map can start rendering), then the same rows in the tables'
display order (numpy, with the ranks cached in :class:`DisplayRanks`) and the duration
histogram. Qt-free: the Workspace, the CLI and the benchmarks run it headless.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import numpy as np

from workbench.core.filters import Filter, compile_where
from workbench.core.layer_data import unemployment_days_by_rid
from workbench.core.preload import import_preloaded
from workbench.core.query import (
    CollaborationBits,
    Points,
    company_points,
    display_rank,
    histogram,
    in_display_order,
    points,
    unemployment_days,
)
from workbench.core.runner import JobCancelled
from workbench.core.search.columns import (
    DICTIONARY_CLAUSES,
    SIDE_CLAUSES,
    DictionaryColumn,
    SideCodes,
    dictionary_clauses,
    select,
    side_mask,
)
from workbench.core.store.gateway import (
    reference_date as reference_date,  # one rule, CLI and window
)

ENTITIES = ("candidates", "companies")
NO_DAYS = np.iinfo(np.int64).min  # no unemployed_since
# Bins of the duration histogram in days (the filter dock draws them).
DURATION_EDGES = (0, 30, 60, 90, 180, 270, 365, 540, 730, 1095)


@dataclass(frozen=True)
class QueryResult:
    """What one filter change produces (computed on the worker thread)."""

    flt: Filter
    candidates: Points
    companies: Points
    duration_counts: np.ndarray
    seconds: float
    postings: Points = field(default_factory=Points.empty)
    timings: dict[str, float] | None = None
    # Set by the tables' step of the job (results_table.ResultsTables.finish_job): the sort
    # the rows are in, and for an empty entity the criterion that removes the most.
    table_keys: dict[str, Any] | None = None
    empty_reasons: dict[str, Any] | None = None


# Values kept for one reference date at a time (the newest asked for).
_ONE_DAY = ("days", "collab_on", "histogram_all")


class DisplayRanks:
    """Per-entity display ranks (see ``query.display_rank``), all rows in storage and in
    display order (reused by filters that do not restrict the entity), the companies'
    collaboration bitmask (``query.CollaborationBits``), days unemployed per candidate and
    the value ids of ``columns.DICTIONARY_CLAUSES``, computed once on the worker. Valid until the data changes: a refresh or import calls :meth:`reset`.

    Each value is computed once even when two threads ask for it at the same time (the
    start-up's :meth:`warm` and the first query): the second waits for the first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[tuple[str, Any], Any] = {}
        self._computing: dict[tuple[str, Any], threading.Lock] = {}
        self._generation = 0  # bumped by reset: a value computed before it is not kept

    def reset(self) -> None:
        """Forget everything computed (the cache's rows changed: refresh, import, sync)."""
        with self._lock:
            self._values = {}
            self._generation += 1

    def _once(self, key: tuple[str, Any], compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._values:
                return self._values[key]
            busy = self._computing.setdefault(key, threading.Lock())
        with busy:
            with self._lock:
                if key in self._values:  # computed by the thread we waited for
                    return self._values[key]
                generation = self._generation
            value = compute()
            with self._lock:
                if generation == self._generation:
                    if key[0] in _ONE_DAY:
                        self._values = {k: v for k, v in self._values.items() if k[0] != key[0]}
                    self._values[key] = value
        return value

    def days(self, cur: Any, today: date) -> np.ndarray:
        """Days unemployed as of ``today`` per candidate rid (``NO_DAYS`` where unknown)."""
        return self._once(("days", today), lambda: unemployment_days_by_rid(cur, today, NO_DAYS))

    def collaborations(self, cur: Any, day: date | None = None) -> CollaborationBits | None:
        """The companies' collaboration bits; with ``day``, also the kinds active on it."""

        def load() -> CollaborationBits | None:
            try:
                return CollaborationBits.load(cur)
            except duckdb.Error:
                return None  # e.g. an old cache without the table: the SQL path works

        bits = self._once(("collab", None), load)
        if bits is None or day is None:
            return bits
        return self._once(("collab_on", day), lambda: bits.on_day(cur, day))

    def histogram_of_all(self, cur: Any, today: date) -> np.ndarray:
        """The duration histogram of every candidate (a filter that leaves them all)."""
        return self._once(
            ("histogram_all", today),
            lambda: _days_histogram(self.days(cur, today), self.every(cur, "candidates").rid),
        )

    def dictionary(self, cur: Any, entity: str, clause: str) -> DictionaryColumn | None:
        """The value ids of the columns ``clause`` reads, over ``every`` row."""
        cols = DICTIONARY_CLAUSES[entity][clause]
        return self._once(
            ("dictionary", (entity, cols)),
            lambda: DictionaryColumn.load(cur, entity, cols, self.every(cur, entity)),
        )

    def side_codes(self, cur: Any, entity: str, clause: str) -> SideCodes:
        """The side table's (rid, code id) rows that ``clause`` tests."""
        table = SIDE_CLAUSES[entity][clause]
        return self._once(("side", table), lambda: SideCodes.load(cur, table))

    def get(self, cur: Any, entity: str) -> np.ndarray:
        # Only the rids: the coordinates come from ``every`` (sorting rid, x, y of 1M
        # companies cost ~1.7x sorting the rids alone: issue #17).
        return self._once(("rank", entity), lambda: display_rank(cur, entity))  # type: ignore[arg-type]

    def all(self, cur: Any, entity: str) -> tuple[Points, Points]:
        """All rows in the table's storage order (for the map: spatially coherent, so the
        density binning has fewer cache misses than in display order; the national bench
        was clearly slower with display-ordered arrays) and in display order (tables)."""
        raw = self.every(cur, entity)
        in_order = self._once(
            ("in_order", entity), lambda: in_display_order(self.get(cur, entity), raw)
        )
        return raw, in_order

    def every(self, cur: Any, entity: str) -> Points:
        """All rows in storage order only: what the map needs first. The display order
        (a sort of every row, ~0.5 s for 1M companies) waits until the map has them, so the
        first paint after start-up does not wait for the tables' order (issue #17)."""
        return self._once(
            ("every", entity),
            lambda: points(cur, entity, Filter(), ordered=False),  # type: ignore[arg-type]
        )

    def warm(
        self,
        cur: Any,
        today: date,
        stop: threading.Event | None = None,
        first_result: threading.Event | None = None,
    ) -> None:
        """Compute what the first query (all rows) needs, in its order, then what the first
        filters read (collaboration kinds, side codes, distinct values): called on a thread
        of its own at start-up, so the sorts run in DuckDB (without the GIL) while the
        window is built. The filter caches wait for ``first_result`` (when given): built
        earlier they competed with the first result and paint for the two cores (issue
        #17). Returns early once ``stop`` is set (set ``first_result`` too to wake a
        waiting thread); raises what the queries raise (the caller logs it)."""
        first: list[Callable[[], Any]] = [
            *(lambda e=e: self.every(cur, e) for e in ENTITIES),
            lambda: self.days(cur, today),
            *(lambda e=e: self.all(cur, e) for e in ENTITIES),
            lambda: self.histogram_of_all(cur, today),  # the first query's histogram
        ]

        def run(steps: list[Callable[[], Any]]) -> bool:
            for step in steps:
                if stop is not None and stop.is_set():
                    return False
                step()
            return True

        if not run(first):
            return
        if first_result is not None:
            first_result.wait()
        run(
            [
                # DuckDB's first bound parameter imports pandas (~0.3 s CPU): here, not in
                # the user's first filter; the start-up before it binds none (issue #17)
                import_preloaded,
                # then what the first filter of each kind reads (20-150 ms each when a filter
                # builds it: the slowest filters after a start, the bench's p95)
                lambda: self.collaborations(cur, today),
                *(
                    lambda e=e, c=c: self.side_codes(cur, e, c)
                    for e, clauses in SIDE_CLAUSES.items()
                    for c in clauses
                ),
                *(
                    lambda e=e, c=c: self.dictionary(cur, e, c)
                    for e, clauses in DICTIONARY_CLAUSES.items()
                    for c in clauses
                ),
            ]
        )


def run_filter(
    cur: Any,
    flt: Filter,
    ranks: DisplayRanks | None = None,
    *,
    postings: bool = True,
    on_points: Callable[[QueryResult], None] | None = None,
) -> QueryResult:
    """Matches for the map (unordered: an ORDER BY over 1M rows costs ~0.5 s) put in the
    tables' display order in numpy; the duration histogram; postings for their layer.

    ``on_points`` gets the unordered matches (no histogram yet) as soon as the queries
    return, so the map can render them while the rest is computed."""
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    raw: dict[str, Points] = {}
    masks: dict[str, CollaborationBits] = {}
    all_rows: set[str] = set()  # entities not restricted: every row
    # A duration range is applied in numpy to the matches without it (days per rid are
    # cached): one query then serves the map and the histogram, which shows the matches
    # without the range. Two queries cost ~2x at national scale (issue #17).
    days_range = flt.unemployed_days if ranks is not None else None
    by_rid = ranks.days(cur, flt.reference_date()) if days_range is not None else None
    wide: Points | None = None  # the candidates without the duration range
    for entity in ENTITIES:
        t = time.perf_counter()
        eflt = flt.with_(unemployed_days=None) if entity == "candidates" and days_range else flt
        bits = (
            entity == "companies"
            and ranks is not None
            and CollaborationBits.applies(eflt, dated=True)
        )
        # active/former need the kinds active on the reference date
        day = eflt.reference_date() if {"active", "former"} & set(eflt.collaboration) else None
        base = eflt.with_(collaboration=()) if bits else eflt
        if (
            ranks is not None
            and eflt.selection is None
            and compile_where(entity, base, strict=False).where == "TRUE"
        ):
            # Nothing restricts the entity (but maybe collaborations): all rows, cached.
            every = ranks.every(cur, entity)
            collab = ranks.collaborations(cur, day) if bits else None
            if bits and collab is None:
                raw[entity] = points(cur, entity, eflt, ordered=False)
            elif collab is not None:
                raw[entity] = _masked(every, collab.mask(eflt, every.rid))
                masks[entity] = collab  # the tables' rows: masked after on_points
            else:
                raw[entity] = every
                all_rows.add(entity)  # the tables' rows: all, in display order after on_points
        elif ranks is not None and (pts := _by_dictionary(cur, ranks, entity, base)) is not None:
            # Criteria on few distinct values (industry, size, municipality) as numpy masks
            collab = ranks.collaborations(cur, day) if bits else None
            if bits and (collab is None or not collab.covers(eflt)):
                raw[entity] = points(cur, entity, eflt, ordered=False)
            elif collab is not None:
                raw[entity] = _masked(pts, collab.mask(eflt, pts.rid))
            else:
                raw[entity] = pts
        elif bits:
            raw[entity] = company_points(cur, eflt, ranks.collaborations(cur, day))
        else:
            raw[entity] = points(cur, entity, eflt, ordered=ranks is None)
        if eflt is not flt:  # the candidates' duration range, in numpy
            keep = _days_in_range(by_rid, raw[entity].rid, days_range)  # type: ignore[arg-type]
            if keep is None:  # rids beyond the cached days (data changed): ask SQL
                raw[entity] = points(cur, entity, flt, ordered=False)
            else:
                wide = raw[entity]
                raw[entity] = _masked(wide, keep)
            all_rows.discard(entity)  # the cached display order holds the wide rows
        timings[f"query {entity}"] = time.perf_counter() - t
    t = time.perf_counter()
    posting_pts = Points.empty()
    if postings:  # only while the layer is shown
        try:
            posting_pts = points(cur, "postings", flt, ordered=False)
        except duckdb.Error:
            posting_pts = Points.empty()
    timings["query postings"] = time.perf_counter() - t
    if on_points is not None:
        on_points(
            QueryResult(
                flt,
                raw["candidates"],
                raw["companies"],
                np.zeros(len(DURATION_EDGES), np.int64),
                time.perf_counter() - t0,
                posting_pts,
                dict(timings),
            )
        )
    out: dict[str, Points] = {}
    for entity in ENTITIES:
        t = time.perf_counter()
        if ranks is None:
            out[entity] = raw[entity]
        elif entity in all_rows:
            out[entity] = ranks.all(cur, entity)[1]
            timings[f"order {entity}"] = time.perf_counter() - t
        elif entity in masks:
            in_order = ranks.all(cur, entity)[1]
            out[entity] = _masked(in_order, masks[entity].mask(flt, in_order.rid))
            timings[f"order {entity}"] = time.perf_counter() - t
        else:
            if hasattr(cur, "is_stale") and cur.is_stale():
                raise JobCancelled
            out[entity] = in_display_order(ranks.get(cur, entity), raw[entity])
            timings[f"order {entity}"] = time.perf_counter() - t
    # The histogram shows the other filters' matches, so the user sees where to put the range.
    t = time.perf_counter()
    # The histogram's rows: the matches without the duration range.
    cand = wide.rid if wide is not None else raw["candidates"].rid
    if by_rid is None and ranks is not None:  # after on_points: the map does not wait for it
        by_rid = ranks.days(cur, flt.reference_date())
    if (
        by_rid is not None
        and (wide is not None or flt.unemployed_days is None)
        and (cand.size == 0 or (int(cand.min()) >= 0 and int(cand.max()) < by_rid.shape[0]))
    ):
        if "candidates" in all_rows:  # every candidate: the same counts for every filter
            counts = ranks.histogram_of_all(cur, flt.reference_date())  # type: ignore[union-attr]
        else:
            counts = _days_histogram(by_rid, cand)
    else:
        days = unemployment_days(cur, flt.with_(unemployed_days=None))
        counts = histogram(days, DURATION_EDGES)
    timings["histogram"] = time.perf_counter() - t
    return QueryResult(
        flt,
        out["candidates"],
        out["companies"],
        counts,
        time.perf_counter() - t0,
        posting_pts,
        timings,
    )


def _days_histogram(by_rid: np.ndarray, rid: np.ndarray) -> np.ndarray:
    d = by_rid[rid]
    return histogram(d[d != NO_DAYS], DURATION_EDGES)


def _by_dictionary(cur: Any, ranks: DisplayRanks, entity: str, flt: Filter) -> Points | None:
    """``flt``'s matches (unordered) by :mod:`.columns` when all its criteria allow it."""
    clauses = dictionary_clauses(entity, flt)
    if clauses is None:
        return None
    every = ranks.every(cur, entity)
    norm = flt.normalised()

    def side(name: str) -> np.ndarray | None:
        codes = ranks.side_codes(cur, entity, name)
        size = int(max(every.rid.max(initial=-1), codes.rid.max(initial=-1))) + 1
        return side_mask(cur, codes, name, norm, size)

    return select(cur, every, clauses, lambda name: ranks.dictionary(cur, entity, name), side)


def _days_in_range(by_rid: np.ndarray, rid: np.ndarray, rng: Any) -> np.ndarray | None:
    """Which of ``rid`` have days unemployed in ``rng`` (inclusive; unknown never matches),
    as the SQL of ``filters.compile_where``; None when a rid is beyond ``by_rid``."""
    if rid.size and (int(rid.min()) < 0 or int(rid.max()) >= by_rid.shape[0]):
        return None
    d = by_rid[rid]
    keep = d != NO_DAYS
    if rng.min is not None:
        keep &= d >= rng.min
    if rng.max is not None:
        keep &= d <= rng.max
    return keep


def _masked(pts: Points, keep: np.ndarray) -> Points:
    return Points(pts.rid[keep], pts.x[keep], pts.y[keep])
