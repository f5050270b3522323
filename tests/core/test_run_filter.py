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
        Filter(today=TODAY, collaboration=("none",)).with_selection(
            Selection.radius(575_000, 6_220_000, 60_000)
        ),
    ]


@pytest.mark.parametrize("i", range(9))
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
