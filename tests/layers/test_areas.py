from __future__ import annotations

import subprocess
import sys

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from workbench.layers.areas import areas_from_wkb, path_arrays


def test_path_arrays_break_between_rings():
    a = np.array([[0, 0], [1, 0], [1, 1], [0, 0]], dtype=float)
    b = np.array([[5, 5], [6, 5], [5, 5]], dtype=float)
    x, y, connect = path_arrays([a, b])
    assert x.tolist() == [0, 1, 1, 0, 5, 6, 5]
    assert y.tolist() == [0, 0, 1, 0, 5, 5, 5]
    assert connect.tolist() == [1, 1, 1, 0, 1, 1, 0]
    assert connect.dtype == np.int32


def test_areas_from_wkb_all_rings_in_one_array():
    square = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], holes=[[(2, 2), (3, 2), (3, 3)]])
    islands = MultiPolygon(
        [Polygon([(20, 0), (21, 0), (21, 1)]), Polygon([(30, 0), (31, 0), (31, 1)])]
    )
    model = areas_from_wkb(
        [shapely.to_wkb(square), None, shapely.to_wkb(islands)],
        codes=["0101", "0000", "0147"],
        names=["A", "B", "C"],
    )
    assert model.ring_count == 4  # exterior + hole + two islands
    assert len(model.x) == 5 + 4 + 4 + 4
    assert model.bounds() == (0.0, 0.0, 31.0, 10.0)
    assert np.isnan(model.label_x[1])
    assert shapely.Point(model.label_x[0], model.label_y[0]).within(square)


def test_area_model_from_real_boundaries(kommuner_geojson):
    import json

    from pyproj import Transformer
    from shapely.geometry import shape

    tr = Transformer.from_crs(4326, 25832, always_xy=True)
    feats = json.loads(kommuner_geojson.read_text("utf-8"))["features"]
    geoms = [
        shapely.transform(
            shape(f["geometry"]), lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1]))
        )
        for f in feats
    ]
    wkbs = [shapely.to_wkb(g) for g in geoms]
    model = areas_from_wkb(wkbs, simplify_m=100)
    xmin, ymin, xmax, ymax = model.bounds()
    assert 400_000 < xmin < xmax < 900_000
    assert 6_000_000 < ymin < ymax < 6_500_000
    assert model.ring_count >= len(feats)


def test_layer_models_do_not_import_qt():
    code = (
        "import sys, workbench.layers.points, workbench.layers.areas, workbench.layers.hit; "
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_rings_are_oriented_for_winding_fill():
    # exterior given clockwise, hole counter-clockwise: the model turns both around
    cw = Polygon([(0, 0), (0, 10), (10, 10), (10, 0)], holes=[[(2, 2), (3, 2), (3, 3)]])
    model = areas_from_wkb([shapely.to_wkb(cw)])
    ends = np.flatnonzero(model.connect == 0)
    ext = np.column_stack([model.x[: ends[0] + 1], model.y[: ends[0] + 1]])
    hole = np.column_stack([model.x[ends[0] + 1 :], model.y[ends[0] + 1 :]])
    assert shapely.LinearRing(ext).is_ccw
    assert not shapely.LinearRing(hole).is_ccw


def test_geometry_collections_contribute_their_polygons():
    from shapely.geometry import GeometryCollection, LineString

    gc = GeometryCollection(
        [
            MultiPolygon([Polygon([(0, 0), (1, 0), (1, 1)])]),
            LineString([(5, 5), (6, 6)]),
            Polygon([(2, 2), (3, 2), (3, 3)]),
        ]
    )
    model = areas_from_wkb([shapely.to_wkb(gc)])
    assert model.ring_count == 2
    assert len(model.x) == 8


def test_rings_of_walks_every_polygon_in_order():
    """The vectorised rings (issue #17) are the exterior then the holes of each polygon, in
    order, through multi-polygons and collections; lines, points and empty parts skipped."""
    import numpy as np
    import shapely
    from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon

    from workbench.layers.areas import rings_of

    square = Polygon(
        [(0, 0), (10, 0), (10, 10), (0, 10)], [[(2, 2), (3, 2), (3, 3)], [(5, 5), (6, 5), (6, 6)]]
    )
    other = Polygon([(20, 0), (30, 0), (30, 5)])
    multi = MultiPolygon([square, other])
    mixed = GeometryCollection([LineString([(0, 0), (1, 1)]), multi, Point(4, 4), other])

    def expected(polygons):
        out = []
        for p in polygons:
            out.append(np.asarray(p.exterior.coords))
            out.extend(np.asarray(r.coords) for r in p.interiors)
        return out

    for geom, polygons in (
        (square, [square]),
        (multi, [square, other]),
        (mixed, [square, other, other]),
    ):
        got = rings_of(geom)
        want = expected(polygons)
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)
    assert rings_of(None) == [] and rings_of(Polygon()) == []
    assert rings_of(LineString([(0, 0), (1, 1)])) == []
    assert rings_of(shapely.from_wkt("MULTIPOLYGON EMPTY")) == []
