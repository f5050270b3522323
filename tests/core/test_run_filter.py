"""The query pipeline (core.search): its fast paths (all rows reused in display order,
collaboration bitmask, numpy ordering) give the same rows in the same order as ORDER BY."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from workbench.core.filters import Filter, Range
from workbench.core.search import DisplayRanks, run_filter
from workbench.layers.selection import Selection

TODAY = date(2026, 11, 1)


def _filters(con) -> list[Filter]:
    occ = con.execute(
        "SELECT code FROM candidate_occupations GROUP BY code ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    return [
        Filter(today=TODAY),
        Filter(today=TODAY, occupations=(occ,)),
        Filter(today=TODAY, unemployed_days=Range(200, None)),
        Filter(today=TODAY, employees=Range(10, None)),
        Filter(today=TODAY, collaboration=("none",)),
        Filter(today=TODAY, collaboration=("any",)),
        Filter(today=TODAY, collaboration=("fleksjob", "mentor")),
        Filter(today=TODAY, collaboration=("any",), employees=Range(5, None)),
        # active/former as masks of the kinds active on the day (issue #17)
        Filter(today=TODAY, collaboration=("active",)),
        Filter(today=TODAY, collaboration=("former",), employees=Range(5, None)),
        Filter(today=TODAY, collaboration=("active", "mentor", "fleksjob")),
        Filter(today=TODAY, collaboration=("none",)).with_selection(
            Selection.radius(575_000, 6_220_000, 60_000)
        ),
        # the duration range applied in numpy to the matches without it (issue #17)
        Filter(today=TODAY, occupations=(occ,), unemployed_days=Range(30, 540)),
        Filter(today=TODAY, unemployed_days=Range(None, 180)).with_selection(
            Selection.radius(575_000, 6_220_000, 60_000)
        ),
        Filter(today=TODAY, unemployed_days=Range(0, 0), employees=Range(10, None)),
    ]


@pytest.mark.parametrize("i", range(15))
def test_fast_paths_match_order_by(small_demo_con, i):
    flt = _filters(small_demo_con)[i]
    ranks = DisplayRanks()
    points_seen = []
    fast = run_filter(small_demo_con, flt, ranks, postings=False, on_points=points_seen.append)
    again = run_filter(small_demo_con, flt, ranks, postings=False)  # cached arrays reused
    plain = run_filter(small_demo_con, flt, None, postings=False)
    for entity in ("candidates", "companies"):
        want = getattr(plain, entity)
        for got in (getattr(fast, entity), getattr(again, entity)):
            np.testing.assert_array_equal(got.rid, want.rid)
            np.testing.assert_array_equal(got.x, want.x)
            np.testing.assert_array_equal(got.y, want.y)
        early = getattr(points_seen[0], entity)  # the map's: same rows, any order
        np.testing.assert_array_equal(np.sort(early.rid), np.sort(want.rid))
    np.testing.assert_array_equal(fast.duration_counts, plain.duration_counts)


def test_bench_filters_match_the_plain_sql(small_demo_con):
    """The suite's filters (issue #17: search_ms), in sequence on one warm cache as in the
    bench: the same rows, order, coordinates and histogram as the plain SQL (ORDER BY, the
    collaboration semi-joins, the histogram's own query)."""
    from workbench.bench.filters import bench_filters

    filters = bench_filters(small_demo_con, TODAY, 8)
    ranks = DisplayRanks()
    assert {f.collaboration[0] for f in filters.companies} == {"none", "any", "active", "former"}
    for flt in [*filters.candidates, *filters.companies]:
        fast = run_filter(small_demo_con, flt, ranks, postings=False)
        plain = run_filter(small_demo_con, flt, None, postings=False)
        for entity in ("candidates", "companies"):
            got, want = getattr(fast, entity), getattr(plain, entity)
            np.testing.assert_array_equal(got.rid, want.rid)
            np.testing.assert_array_equal(got.x, want.x)
            np.testing.assert_array_equal(got.y, want.y)
        np.testing.assert_array_equal(fast.duration_counts, plain.duration_counts)


def test_duration_range_needs_no_second_query(small_demo_con, monkeypatch):
    """One query serves the map's matches and the histogram (matches without the range):
    the histogram's own query of the durations is not run (~2x the cost at 1M rows)."""
    from workbench.core.search import pipeline

    occ = _filters(small_demo_con)[1].occupations
    flt = Filter(today=TODAY, occupations=occ, unemployed_days=Range(90, 365))
    ranks = DisplayRanks()
    run_filter(small_demo_con, Filter(today=TODAY), ranks, postings=False)  # warm caches
    plain = run_filter(small_demo_con, flt, None, postings=False)

    def no_query(*_args, **_kwargs):
        raise AssertionError("the durations were queried a second time")

    monkeypatch.setattr(pipeline, "unemployment_days", no_query)
    fast = run_filter(small_demo_con, flt, ranks, postings=False)
    np.testing.assert_array_equal(fast.candidates.rid, plain.candidates.rid)
    np.testing.assert_array_equal(fast.duration_counts, plain.duration_counts)
    assert fast.duration_counts.sum() > len(fast.candidates.rid)  # wider than the matches


def test_first_points_do_not_wait_for_the_display_order(small_demo_con, monkeypatch):
    """Start-up: the map gets every row before the tables' order (a sort of all rows, ~0.5 s
    at 1M companies) is computed; the tables still get the rows in display order."""
    from workbench.core.search import pipeline

    sorted_entities: list[str] = []
    real = pipeline.display_rank

    def recording(cur, entity):
        sorted_entities.append(entity)
        return real(cur, entity)

    monkeypatch.setattr(pipeline, "display_rank", recording)
    seen_before_points: list[list[str]] = []
    flt = Filter(today=TODAY)
    fast = run_filter(
        small_demo_con,
        flt,
        DisplayRanks(),
        postings=False,
        on_points=lambda _r: seen_before_points.append(list(sorted_entities)),
    )
    assert seen_before_points == [[]]
    assert sorted(sorted_entities) == ["candidates", "companies"]
    plain = run_filter(small_demo_con, flt, None, postings=False)
    for entity in ("candidates", "companies"):
        np.testing.assert_array_equal(getattr(fast, entity).rid, getattr(plain, entity).rid)
