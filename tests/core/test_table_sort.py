"""Table sorting in core: every sortable column against an independent pandas sort, the
bucket pass reused across results, distance by numpy argsort."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.core.filters import Filter, Range
from workbench.core.query import display_points, points
from workbench.core.table_sort import (
    SORT_SPECS,
    SortKey,
    TableSorter,
    distance_origin,
    sort_by_distance,
)
from workbench.layers.selection import Selection

DANISH = str.maketrans("æøåäö", "{|}{|")


def _reference_key(con, entity: str, column: str) -> pd.Series:
    """The value each row sorts by, computed in pandas from the raw columns."""
    if entity == "candidates":
        df = con.execute("SELECT * FROM candidates").df().set_index("rid")
        munis = dict(con.execute("SELECT kode, navn FROM municipalities").fetchall())
        occ = dict(con.execute("SELECT code, title FROM occupations").fetchall())
        qual = dict(con.execute("SELECT code, title FROM qualifications").fetchall())

        def first(codes, titles):
            if codes is None or len(codes) == 0:
                return None
            return str(titles.get(codes[0], codes[0])).lower().translate(DANISH)

        return {
            "candidate_id": df.candidate_id,
            "kommune": df.kommune_kode.map(
                lambda k: str(munis.get(k, k)).lower().translate(DANISH)
            ),
            "occupations": df.occupation_codes.map(lambda c: first(c, occ)),
            "qualifications": df.qualification_codes.map(lambda c: first(c, qual)),
            "licences": df.driving_licences.map(
                lambda c: ", ".join(sorted(c)) if c is not None and len(c) else None
            ),
            "unemployed_since": df.unemployed_since,
            "days": -(pd.to_datetime(df.unemployed_since) - pd.Timestamp(0)).dt.days,
            "experience_years": df.experience_years,
            "cv_searchable": df.cv_searchable,
        }[column]
    df = con.execute("SELECT * FROM companies").df().set_index("rid")
    munis = dict(con.execute("SELECT kode, navn FROM municipalities").fetchall())
    return {
        "name": df.name.map(lambda s: None if s is None else s.lower().translate(DANISH)),
        "kommune": df.kommune_kode.map(lambda k: str(munis.get(k, k)).lower().translate(DANISH)),
        "employees": df.employees,
        "cvr": df.cvr,
        "pnr": df.pnr,
        "advertising": df.advertising_protected.fillna(False).astype(bool),
    }[column]


CASES = [(e, c) for e, cols in SORT_SPECS.items() for c in cols if c not in ("industry", "address")]


@pytest.mark.parametrize(("entity", "column"), CASES)
@pytest.mark.parametrize("descending", [False, True])
def test_sort_matches_pandas(small_demo_con, entity, column, descending):
    flt = (
        Filter(unemployed_days=Range(100, None))
        if entity == "candidates"
        else Filter(employees=Range(5, None))
    )
    matched = points(small_demo_con, entity, flt, ordered=True)  # display order
    got = TableSorter().sort(small_demo_con, entity, matched, SortKey(column, descending))
    assert sorted(got.rid.tolist()) == sorted(matched.rid.tolist())
    key = _reference_key(small_demo_con, entity, column).reindex(got.rid).tolist()
    present = [k for k in key if k is not None and not pd.isna(k)]
    assert all(k is None or pd.isna(k) for k in key[len(present) :]), "empty values last"
    assert present == sorted(present, reverse=descending)
    # ties keep the display order
    pos = {int(r): i for i, r in enumerate(matched.rid)}
    for a, b, ka, kb in zip(got.rid[:-1], got.rid[1:], key[:-1], key[1:], strict=True):
        if ka == kb and ka is not None and not pd.isna(ka):
            assert pos[int(a)] < pos[int(b)]


def test_rank_is_computed_once_and_reused(small_demo_con):
    sorter = TableSorter()
    key = SortKey("employees", True)
    everything = display_points(small_demo_con, "companies")
    sorter.sort(small_demo_con, "companies", everything, key)
    rank = sorter.rank(small_demo_con, "companies", key)
    assert sorter.rank(small_demo_con, "companies", key) is rank  # no second ORDER BY
    some = points(small_demo_con, "companies", Filter(employees=Range(10, None)), ordered=False)
    got = sorter.sort(small_demo_con, "companies", some, key)
    np.testing.assert_array_equal(np.sort(rank[got.rid]), rank[got.rid])


def test_distance_sort_and_origin(small_demo_con):
    sel = Selection.radius(575_000, 6_220_000, 50_000)
    flt = Filter().with_selection(sel)
    assert distance_origin(flt) == (575_000, 6_220_000)
    assert distance_origin(Filter().with_selection(~sel)) is None  # inverted: no centre
    assert distance_origin(Filter(near=(1.0, 2.0), radius_km=5)) == (1.0, 2.0)
    assert distance_origin(Filter()) is None
    rect = Selection.rectangle(500_000, 6_100_000, 600_000, 6_300_000)
    assert distance_origin(Filter().with_selection(rect)) == pytest.approx((550_000, 6_200_000))
    pts = points(small_demo_con, "companies", flt, ordered=False)
    got = sort_by_distance(pts, (575_000, 6_220_000))
    d = np.hypot(got.x - 575_000, got.y - 6_220_000)
    assert np.all(np.diff(d) >= 0) and len(got) == len(pts) > 0
    back = TableSorter().sort(
        small_demo_con, "companies", pts, SortKey("distance", True), (575_000, 6_220_000)
    )
    d = np.hypot(back.x - 575_000, back.y - 6_220_000)
    assert np.all(np.diff(d) <= 0)
