"""Selection geometry: boundary points, holes, multipolygons, radius, invert, serialisation."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from workbench.layers.selection import Selection


def test_rectangle_includes_its_boundary_and_normalises_corners():
    sel = Selection.rectangle(10, 10, 0, 0)  # dragged from the top right
    x = np.array([0, 10, 5, 10.0001, np.nan, 5])
    y = np.array([0, 10, 10, 5, 5, -0.1])
    assert sel.covers_xy(x, y).tolist() == [True, True, True, False, False, False]
    assert sel.bounds() == (0, 0, 10, 10)


def test_polygon_with_hole_boundary_counts_inside():
    outer = [(0, 0), (10, 0), (10, 10), (0, 10)]
    hole = [(4, 4), (6, 4), (6, 6), (4, 6)]
    sel = Selection.polygon(shapely.Polygon(outer, [hole]))
    x = np.array([1, 5, 4, 0, 10, 5, 11])
    y = np.array([1, 5, 5, 5, 10, 0, 5])
    # inside, in the hole, on the hole's edge, on the outer edge, corner, edge, outside
    assert sel.covers_xy(x, y).tolist() == [True, False, True, True, True, True, False]


def test_multipolygon_and_lasso_ring():
    a = shapely.box(0, 0, 1, 1)
    b = shapely.box(5, 5, 6, 6)
    sel = Selection.polygon(shapely.MultiPolygon([a, b]))
    x = np.array([0.5, 5.5, 3.0])
    assert sel.covers_xy(x, x).tolist() == [True, True, False]
    lasso = Selection.polygon([(0, 0), (4, 0), (0, 4)])  # open ring closes itself
    assert lasso.covers_xy(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])).tolist() == [
        True,
        True,  # on the hypotenuse
        False,
    ]
    # a self-crossing lasso (bow tie) is repaired, not an error
    bow = Selection.polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    assert bow.covers_xy(np.array([0.2, 1.8]), np.array([1.0, 1.0])).tolist() == [True, True]
    with pytest.raises(ValueError):
        Selection.polygon([(0, 0), (1, 1)])


def test_radius_inclusive_and_typed_km():
    sel = Selection.radius(100.0, 200.0, 5000.0)
    x = np.array([105000.0 - 100000, 100.0, 5101.0])
    y = np.array([200.0, 5200.0, 200.0])
    assert sel.covers_xy(x, y).tolist() == [True, True, False]
    with pytest.raises(ValueError):
        Selection.radius(0, 0, 0)


def test_union_invert_and_nan():
    sel = Selection.rectangle(0, 0, 1, 1) | Selection.radius(10, 10, 1)
    x = np.array([0.5, 10.5, 5.0, np.nan])
    y = np.array([0.5, 10.0, 5.0, np.nan])
    assert sel.covers_xy(x, y).tolist() == [True, True, False, False]
    inv = ~sel
    assert inv.covers_xy(x, y).tolist() == [False, False, True, False]  # NaN never selected
    assert inv.bounds() is None and sel.bounds() == (0, 0, 11, 11)
    assert ~inv == sel
    with pytest.raises(ValueError):
        inv | sel


def test_serialisation_round_trip():
    poly = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(4, 4), (6, 4), (6, 6)]])
    sel = ~(
        Selection.polygon(poly) | Selection.rectangle(20, 20, 30, 30) | Selection.radius(1, 2, 3)
    )
    data = json.loads(json.dumps(sel.to_dict()))
    back = Selection.from_dict(data)
    assert back.inverted and len(back.parts) == 3 and back.kind == "mixed"
    rng = np.random.default_rng(1)
    x, y = rng.uniform(-5, 35, 2000), rng.uniform(-5, 35, 2000)
    np.testing.assert_array_equal(back.covers_xy(x, y), sel.covers_xy(x, y))
    with pytest.raises(ValueError):
        Selection.from_dict({"parts": [{"kind": "hexagon"}]})
