"""Spatial selections: rectangle, polygon (with holes, multipolygons) and radius. No Qt.

A :class:`Selection` is a frozen value: the union of its parts, optionally inverted. It
serialises with ``to_dict``/``from_dict`` (GeoJSON geometry for polygons), so it can travel in
a :class:`~workbench.core.filters.Filter`, be saved as a named selection and be reused by
pools and campaigns.

Points ON the boundary count as inside (a consultant who draws along a road or picks a
municipality expects the addresses on the line to be included): rectangles and circles use
inclusive comparisons, polygons ``shapely.intersects_xy`` (for a point that is "covers").
Points without a place (NaN) are never inside, not even of an inverted selection.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

Bounds = tuple[float, float, float, float]


@dataclass(frozen=True)
class Rectangle:
    xmin: float
    ymin: float
    xmax: float
    ymax: float

    def __post_init__(self) -> None:
        if not (self.xmax >= self.xmin and self.ymax >= self.ymin):
            # normalise a rectangle dragged from any corner
            xs = sorted((self.xmin, self.xmax))
            ys = sorted((self.ymin, self.ymax))
            object.__setattr__(self, "xmin", xs[0])
            object.__setattr__(self, "xmax", xs[1])
            object.__setattr__(self, "ymin", ys[0])
            object.__setattr__(self, "ymax", ys[1])

    def covers_xy(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return (x >= self.xmin) & (x <= self.xmax) & (y >= self.ymin) & (y <= self.ymax)

    def bounds(self) -> Bounds:
        return self.xmin, self.ymin, self.xmax, self.ymax

    def geometry(self) -> BaseGeometry:
        return shapely.box(self.xmin, self.ymin, self.xmax, self.ymax)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "rectangle", "bounds": [self.xmin, self.ymin, self.xmax, self.ymax]}


@dataclass(frozen=True)
class Radius:
    cx: float
    cy: float
    radius_m: float

    def __post_init__(self) -> None:
        if not (self.radius_m > 0 and math.isfinite(self.radius_m)):
            raise ValueError(f"radius must be positive, got {self.radius_m}")

    def covers_xy(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        dx = x - self.cx
        dy = y - self.cy
        return dx * dx + dy * dy <= self.radius_m * self.radius_m

    def bounds(self) -> Bounds:
        r = self.radius_m
        return self.cx - r, self.cy - r, self.cx + r, self.cy + r

    def geometry(self) -> BaseGeometry:
        return shapely.Point(self.cx, self.cy).buffer(self.radius_m, quad_segs=32)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "radius", "center": [self.cx, self.cy], "radius_m": self.radius_m}


@dataclass(frozen=True)
class Area:
    """A polygon or multipolygon (holes allowed) in EPSG:25832."""

    geom: BaseGeometry = field(compare=False)
    wkb: bytes = b""  # identity for equality and hashing

    @classmethod
    def of(cls, geom: BaseGeometry) -> Area:
        if geom is None or geom.is_empty:
            raise ValueError("an area selection needs a non-empty polygon")
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            polys = [g for g in getattr(geom, "geoms", []) if g.geom_type == "Polygon"]
            if not polys:
                raise ValueError(f"an area selection needs polygons, got {geom.geom_type}")
            geom = shapely.MultiPolygon(polys)
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        shapely.prepare(geom)
        return cls(geom, shapely.to_wkb(geom))

    @classmethod
    def from_ring(cls, xy: np.ndarray | list[tuple[float, float]]) -> Area:
        """A lasso: the ring the user drew (closed automatically; self-crossings repaired)."""
        pts = np.asarray(xy, dtype=np.float64)
        if len(pts) < 3:
            raise ValueError("a polygon needs at least three points")
        return cls.of(shapely.Polygon(pts))

    def covers_xy(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        xmin, ymin, xmax, ymax = self.geom.bounds
        box = (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)
        out = np.zeros(x.shape, dtype=bool)
        idx = np.flatnonzero(box)
        if idx.size:
            out[idx] = shapely.intersects_xy(self.geom, x[idx], y[idx])
        return out

    def bounds(self) -> Bounds:
        return tuple(float(v) for v in self.geom.bounds)  # type: ignore[return-value]

    def geometry(self) -> BaseGeometry:
        return self.geom

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "polygon", "geometry": _jsonable(mapping(self.geom))}


Part = Rectangle | Radius | Area


@dataclass(frozen=True)
class Selection:
    """The union of ``parts``; ``inverted`` selects everything placed outside it."""

    parts: tuple[Part, ...]
    inverted: bool = False

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def rectangle(cls, xmin: float, ymin: float, xmax: float, ymax: float) -> Selection:
        return cls((Rectangle(xmin, ymin, xmax, ymax),))

    @classmethod
    def radius(cls, cx: float, cy: float, radius_m: float) -> Selection:
        return cls((Radius(cx, cy, radius_m),))

    @classmethod
    def polygon(cls, geom_or_ring: Any) -> Selection:
        if isinstance(geom_or_ring, BaseGeometry):
            return cls((Area.of(geom_or_ring),))
        return cls((Area.from_ring(geom_or_ring),))

    def __or__(self, other: Selection) -> Selection:
        """Union. Inverted operands are combined through their geometry."""
        if not self.inverted and not other.inverted:
            return Selection(self.parts + other.parts)
        raise ValueError("cannot combine an inverted selection; invert the result instead")

    def __invert__(self) -> Selection:
        return Selection(self.parts, not self.inverted)

    def invert(self) -> Selection:
        return ~self

    # -- evaluation -------------------------------------------------------------------------
    def covers_xy(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Vectorised: which points are selected (boundary inside, NaN never)."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        inside = np.zeros(x.shape, dtype=bool)
        for part in self.parts:
            inside |= part.covers_xy(x, y)
        if self.inverted:
            inside = ~inside & np.isfinite(x) & np.isfinite(y)
        return inside

    def bounds(self) -> Bounds | None:
        """Bounding box of the selected area (a prefilter); None when inverted (unbounded)."""
        if self.inverted or not self.parts:
            return None
        bs = np.array([p.bounds() for p in self.parts])
        return (
            float(bs[:, 0].min()),
            float(bs[:, 1].min()),
            float(bs[:, 2].max()),
            float(bs[:, 3].max()),
        )

    def geometry(self) -> BaseGeometry:
        """The selected area as one geometry (circles approximated), for drawing and saving."""
        return shapely.union_all([p.geometry() for p in self.parts])

    @property
    def kind(self) -> str:
        names = {type(p).__name__ for p in self.parts}
        if len(names) != 1:
            return "mixed"
        return {"Rectangle": "rectangle", "Radius": "radius", "Area": "polygon"}[names.pop()]

    # -- serialisation ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"parts": [p.to_dict() for p in self.parts]}
        if self.inverted:
            out["inverted"] = True
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Selection:
        if not isinstance(data, dict) or not isinstance(data.get("parts"), list):
            raise ValueError("a selection needs a list of parts")
        parts: list[Part] = []
        for p in data["parts"]:
            kind = p.get("kind")
            if kind == "rectangle":
                parts.append(Rectangle(*(float(v) for v in p["bounds"])))
            elif kind == "radius":
                cx, cy = (float(v) for v in p["center"])
                parts.append(Radius(cx, cy, float(p["radius_m"])))
            elif kind == "polygon":
                parts.append(Area.of(shape(p["geometry"])))
            else:
                raise ValueError(f"unknown selection part {kind!r}")
        if not parts:
            raise ValueError("a selection needs at least one part")
        return cls(tuple(parts), bool(data.get("inverted", False)))


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    return obj
