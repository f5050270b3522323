"""Coordinates: EPSG:25832 (ETRS89 / UTM 32N) everywhere, converted once at the edge."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from .errors import WorkbenchError

CRS = "EPSG:25832"
# Denmark in EPSG:25832, generous: anything outside is not Danish (or is still in degrees).
DENMARK_BOUNDS = (400_000.0, 6_030_000.0, 920_000.0, 6_420_000.0)


@lru_cache(maxsize=4)
def transformer(source: str = "EPSG:4326", target: str = CRS) -> Transformer:
    """One cached Transformer per CRS pair (creating one costs milliseconds)."""
    return Transformer.from_crs(source, target, always_xy=True)


def lonlat_to_utm(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = transformer().transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def looks_like_degrees(geom: BaseGeometry) -> bool:
    xmin, ymin, xmax, ymax = geom.bounds
    return -180 <= xmin <= 180 and -90 <= ymin <= 90 and xmax <= 180 and ymax <= 90


def to_utm(geom: BaseGeometry) -> BaseGeometry:
    """Project a WGS84 geometry to EPSG:25832 (2-D; a Z coordinate is dropped)."""
    geom = shapely.force_2d(geom)
    if not looks_like_degrees(geom):
        return geom
    tr = transformer()
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


@dataclass(frozen=True)
class Area:
    kode: str
    navn: str
    geom: BaseGeometry  # EPSG:25832
    region_kode: str | None = None


def read_areas_geojson(
    path: Path,
    *,
    code_property: str = "kode",
    name_property: str = "navn",
    region_property: str | None = None,
) -> list[Area]:
    """Read municipality-like areas from a GeoJSON file; parts with one code are dissolved."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WorkbenchError(f"cannot read boundaries {path}: {exc}") from exc
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list) or not features:
        raise WorkbenchError(f"{path} is not a GeoJSON FeatureCollection with features")
    parts: dict[str, list[BaseGeometry]] = {}
    names: dict[str, str] = {}
    regions: dict[str, str | None] = {}
    for i, feat in enumerate(features):
        props = feat.get("properties") or {}
        if code_property not in props or feat.get("geometry") is None:
            raise WorkbenchError(f"{path}: feature {i} has no {code_property!r} or no geometry")
        code = str(props[code_property]).strip().zfill(4)
        parts.setdefault(code, []).append(to_utm(shape(feat["geometry"])))
        names[code] = str(props.get(name_property) or code)
        regions[code] = (
            str(props[region_property]) if region_property and props.get(region_property) else None
        )
    areas = []
    for code, geoms in sorted(parts.items()):
        geom = geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)
        areas.append(Area(code, names[code], polygonal(shapely.make_valid(geom)), regions[code]))
    return areas


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygon parts: repairing or dissolving can leave stray lines and points."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [
        p
        for g in getattr(geom, "geoms", [geom])
        for p in (getattr(g, "geoms", [g]) if g.geom_type == "MultiPolygon" else [g])
        if p.geom_type == "Polygon" and not p.is_empty
    ]
    return shapely.MultiPolygon(polys)
