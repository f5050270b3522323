"""Municipality (and region) areas: WKB polygons to ONE vertex array plus a connect array.

The view draws all outlines as one path (``pyqtgraph.arrayToQPath(x, y, connect)``) in one
graphics item, never one item per municipality. ``connect[i] == 1`` joins vertex ``i`` to
vertex ``i + 1``; the last vertex of every ring has 0, so rings stay apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class AreaStyle:
    fill: tuple[int, int, int, int] = (246, 243, 236, 255)
    outline: tuple[int, int, int, int] = (150, 150, 160, 255)
    outline_width: float = 1.0


@dataclass
class AreaLayerModel:
    """All rings of all areas as flat arrays, plus label anchors and names."""

    x: np.ndarray
    y: np.ndarray
    connect: np.ndarray  # int32, 1 = connect to next vertex
    codes: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    label_x: np.ndarray = field(default_factory=lambda: np.empty(0))
    label_y: np.ndarray = field(default_factory=lambda: np.empty(0))
    style: AreaStyle = field(default_factory=AreaStyle)
    crs: str = "EPSG:25832"

    @property
    def ring_count(self) -> int:
        return int(np.count_nonzero(self.connect == 0))

    def bounds(self) -> tuple[float, float, float, float] | None:
        if self.x.size == 0:
            return None
        return float(self.x.min()), float(self.y.min()), float(self.x.max()), float(self.y.max())

    @classmethod
    def empty(cls) -> AreaLayerModel:
        return cls(np.empty(0), np.empty(0), np.empty(0, np.int32))


def rings_of(geom: BaseGeometry) -> list[np.ndarray]:
    """Exterior and interior rings of the polygons in ``geom`` as (n, 2) arrays.

    Multi-polygons and geometry collections (as ``make_valid`` produces) are walked; lines
    and points in a collection are not areas and are skipped.
    """
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        polygons = np.array([geom], dtype=object)
    elif geom.geom_type == "MultiPolygon":
        polygons = shapely.get_parts(geom)
    elif hasattr(geom, "geoms"):
        out: list[np.ndarray] = []
        for part in geom.geoms:
            out.extend(rings_of(part))
        return out
    else:
        return []
    # All rings at once (exterior, then holes, per polygon): a loop over the parts cost
    # ~0.2 s of the start-up's choropleth on the national cache (issue #17).
    rings = shapely.get_rings(polygons[~shapely.is_empty(polygons)])
    if rings.size == 0:
        return []
    xy, index = shapely.get_coordinates(rings, return_index=True)
    ends = np.cumsum(np.bincount(index, minlength=rings.size))
    return np.split(xy, ends[:-1])


def path_arrays(rings: Iterable[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate rings into x, y, connect (0 at the end of every ring)."""
    rings = [r for r in rings if len(r) >= 2]
    if not rings:
        return np.empty(0), np.empty(0), np.empty(0, np.int32)
    xy = np.concatenate(rings)
    connect = np.ones(len(xy), dtype=np.int32)
    ends = np.cumsum([len(r) for r in rings]) - 1
    connect[ends] = 0
    return np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1]), connect


def areas_from_wkb(
    wkbs: Sequence[bytes | None],
    *,
    codes: Sequence[str] | None = None,
    names: Sequence[str] | None = None,
    label_points: Sequence[tuple[float | None, float | None]] | None = None,
    simplify_m: float = 0.0,
) -> AreaLayerModel:
    """Build the layer from WKB geometries (EPSG:25832); None/invalid entries are skipped.

    ``simplify_m`` > 0 simplifies outlines (metres) for the overview; labels default to a
    point inside each area.
    """
    geoms = shapely.from_wkb(np.asarray(list(wkbs), dtype=object), on_invalid="ignore")
    if simplify_m > 0:
        geoms = shapely.simplify(geoms, simplify_m, preserve_topology=True)
    # Exteriors counter-clockwise, holes clockwise: the view fills the one path with the
    # non-zero winding rule, so holes stay open and overlapping areas stay filled.
    geoms = shapely.orient_polygons(geoms, exterior_cw=False)
    rings: list[np.ndarray] = []
    lx: list[float] = []
    ly: list[float] = []
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            lx.append(np.nan)
            ly.append(np.nan)
            continue
        rings.extend(rings_of(geom))
        given = label_points[i] if label_points is not None else (None, None)
        if given[0] is not None and given[1] is not None:
            lx.append(float(given[0]))
            ly.append(float(given[1]))
        else:
            p = shapely.point_on_surface(geom)
            lx.append(p.x)
            ly.append(p.y)
    x, y, connect = path_arrays(rings)
    return AreaLayerModel(
        x,
        y,
        connect,
        codes=list(codes or []),
        names=list(names or []),
        label_x=np.asarray(lx, dtype=np.float64),
        label_y=np.asarray(ly, dtype=np.float64),
    )
