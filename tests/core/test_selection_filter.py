"""The map selection as a filter field: exact counts and tables, boundary points, invert,
serialisation, and named selections in the cache."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from workbench.core.errors import FilterError, WorkbenchError
from workbench.core.filters import Filter
from workbench.core.query import count, points, search, unemployment_days
from workbench.core.selections import (
    delete_selection,
    list_selections,
    load_selection,
    save_selection,
)
from workbench.layers.selection import Selection


def _xy(con, entity="candidates"):
    table = {"candidates": "candidates", "companies": "companies"}[entity]
    a = con.execute(f"SELECT rid, x, y FROM {table} WHERE x IS NOT NULL").fetchnumpy()
    return np.asarray(a["rid"]), np.asarray(a["x"], float), np.asarray(a["y"], float)


def test_polygon_selection_counts_exactly_with_boundary_points(small_demo_con):
    con = small_demo_con
    rid, x, y = _xy(con)
    cx, cy = float(np.median(x)), float(np.median(y))
    # a triangle whose corner and edge pass exactly through candidates
    i = int(np.argmin((x - cx) ** 2 + (y - cy) ** 2))
    px, py = x[i], y[i]
    tri = shapely.Polygon([(px, py), (px + 40_000, py), (px, py + 40_000)])
    sel = Selection.polygon(tri)
    flt = Filter().with_selection(sel)
    expected = np.count_nonzero(shapely.intersects_xy(tri, x, y))
    assert count(con, "candidates", flt) == expected > 0
    pts = points(con, "candidates", flt)
    assert rid[i] in set(pts.rid.tolist())  # the corner point counts
    # the table (ordered search) follows the selection too
    res = search(con, "candidates", flt, limit=5)
    assert res.total == expected and len(res.items) == min(5, expected)
    days = unemployment_days(con, flt)
    assert len(days) <= expected
    # invert: everything placed outside
    inv = Filter().with_selection(~sel)
    assert count(con, "candidates", inv) == len(x) - expected
    # combined with a panel filter
    f2 = flt.with_(municipalities=("0101",))
    assert count(con, "candidates", f2) <= expected


def test_radius_selection_and_companies(small_demo_con):
    _rid, x, y = _xy(small_demo_con, "companies")
    cx, cy = float(np.median(x)), float(np.median(y))
    flt = Filter().with_selection(Selection.radius(cx, cy, 15_000))
    expected = np.count_nonzero((x - cx) ** 2 + (y - cy) ** 2 <= 15_000**2)
    assert count(small_demo_con, "companies", flt) == expected > 0


def test_filter_serialisation_keeps_the_selection():
    sel = Selection.polygon(shapely.box(0, 0, 10, 10)) | Selection.radius(5, 5, 2)
    flt = Filter(municipalities=("101",)).with_selection(sel)
    data = json.loads(json.dumps(flt.to_dict()))
    assert data["selection"]["parts"][0]["kind"] == "polygon"
    back = Filter.from_dict(data)
    assert back == flt.normalised()
    assert hash(back)  # still a hashable value
    assert back.spatial_selection().covers_xy(np.array([1.0]), np.array([1.0])).tolist() == [True]
    with pytest.raises(FilterError):
        Filter(selection='{"parts": []}').normalised()
    with pytest.raises(FilterError):
        Filter.from_dict({"selection": "not json"})


def test_saved_selections_round_trip(small_demo_con):
    con = small_demo_con
    sel = Selection.rectangle(500_000, 6_100_000, 600_000, 6_200_000)
    saved = save_selection(
        con,
        "Østjylland",
        sel,
        entity="candidates",
        flt=Filter(occupations=("5120",)),
        counts={"candidates": 12, "companies": 34},
    )
    assert saved.name == "Østjylland" and saved.candidates == 12
    got = load_selection(con, "Østjylland")
    assert got.filter == Filter(occupations=("5120",))
    flt = got.as_filter()
    assert flt.occupations == ("5120",) and flt.spatial_selection() == sel
    geom = con.execute("SELECT geometry FROM saved_selections").fetchone()[0]
    assert shapely.from_wkb(bytes(geom)).equals(sel.geometry())
    save_selection(con, "Østjylland", ~sel)  # replace
    assert load_selection(con, "Østjylland").as_filter().spatial_selection().inverted
    with pytest.raises(WorkbenchError):
        save_selection(con, "Østjylland", sel, replace=False)
    with pytest.raises(WorkbenchError):
        save_selection(con, "  ", sel)
    assert [s.name for s in list_selections(con)] == ["Østjylland"]
    assert delete_selection(con, "Østjylland") and not list_selections(con)
    with pytest.raises(WorkbenchError):
        load_selection(con, "Østjylland")


def test_display_rank_orders_like_order_by(small_demo_con):
    from workbench.core.query import Points, display_rank, in_display_order

    for entity in ("candidates", "companies"):
        rank = display_rank(small_demo_con, entity)
        flt = Filter(municipalities=("0101", "0751"))
        unordered = points(small_demo_con, entity, flt, ordered=False)
        ordered = points(small_demo_con, entity, flt, ordered=True)
        got = in_display_order(rank, unordered)
        np.testing.assert_array_equal(got.rid, ordered.rid)
        np.testing.assert_array_equal(got.x, ordered.x)
    # rids the rank does not know (rows added later) go last, nothing is lost
    pts = Points(np.array([10**7, 3, 1]), np.zeros(3), np.zeros(3))
    got = in_display_order(rank, pts)
    assert sorted(got.rid.tolist()) == [1, 3, 10**7] and got.rid[-1] == 10**7
