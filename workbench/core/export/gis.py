"""GIS interchange for colleagues who work in QGIS: layers out as GeoPackage, GeoJSON or
Shapefile in EPSG:25832 (geopandas/pyogrio), and area layers (a jobcenter's own districts)
in as saved selections, which the map draws and every filter can use.

Candidates never leave as points: they are exported as counts per municipality, counts
under 5 suppressed, so no file can place a citizen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from workbench.layers.selection import Selection

from ..errors import WorkbenchError
from ..filters import Filter
from ..query import compile_where, iter_rows

CRS = "EPSG:25832"
SUPPRESS_BELOW = 5
FORMATS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".shp": "ESRI Shapefile"}
EXPORT_ENTITIES = ("companies", "postings", "municipalities", "candidates")
# Shapefile field names have at most 10 characters: explicit short names, not truncation.
_SHP_NAMES = {
    "kommune_kode": "komkode",
    "industry_code": "branche",
    "industry_text": "branchetxt",
    "employees_band": "ansat_intv",
    "advertising_protected": "reklbeskyt",
    "industry_system": "branchesys",
    "occupation_code": "disco",
    "candidates": "ledige",
    "companies": "virksomh",
    "postings": "jobopslag",
    "region_kode": "regionkode",
}


@dataclass(frozen=True)
class GisExport:
    path: Path
    layer: str
    rows: int
    driver: str


def driver_for(path: Path) -> str:
    driver = FORMATS.get(path.suffix.lower())
    if driver is None:
        raise WorkbenchError(
            f"unknown GIS format {path.suffix or '(none)'!r} for {path.name}: "
            "use .gpkg, .geojson or .shp"
        )
    return driver


def export_layer(
    con: duckdb.DuckDBPyConnection, entity: str, flt: Filter, path: str | Path
) -> GisExport:
    """Write ``entity`` (filtered by ``flt``) to ``path``; the layer is named after it."""
    import geopandas as gpd

    path = Path(path)
    driver = driver_for(path)
    if entity in ("companies", "postings"):
        frame = _points_frame(con, entity, flt)
    elif entity in ("municipalities", "candidates"):
        frame = _municipality_frame(con, flt)
    else:
        raise WorkbenchError(f"cannot export {entity!r}: one of {', '.join(EXPORT_ENTITIES)}")
    if driver == "ESRI Shapefile":
        frame = frame.rename(columns=_SHP_NAMES)
    gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():  # one layer per file: replace, never append to an old export
        for sibling in _shapefile_parts(path) if driver == "ESRI Shapefile" else [path]:
            sibling.unlink(missing_ok=True)
    kwargs: dict[str, Any] = {"driver": driver, "engine": "pyogrio"}
    if driver == "GPKG":
        kwargs["layer"] = entity
    gdf.to_file(path, **kwargs)
    return GisExport(path, entity, len(gdf), driver)


def _shapefile_parts(path: Path) -> list[Path]:
    return [path.with_suffix(s) for s in (".shp", ".shx", ".dbf", ".prj", ".cpg")]


def _points_frame(con: duckdb.DuckDBPyConnection, entity: str, flt: Filter) -> Any:
    import pandas as pd
    import shapely

    columns, rows = iter_rows(con, entity, flt)
    frame = pd.DataFrame.from_records(list(rows), columns=columns)
    placed = frame["x"].notna() & frame["y"].notna()
    frame = frame[placed].reset_index(drop=True)
    for name in frame.columns:  # GIS formats have no list or decimal types
        if frame[name].dtype == object:
            frame[name] = frame[name].map(_plain)
    frame["geometry"] = shapely.points(frame["x"].to_numpy(float), frame["y"].to_numpy(float))
    return frame.drop(columns=["x", "y"])


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value


def _municipality_frame(con: duckdb.DuckDBPyConnection, flt: Filter) -> Any:
    """Municipalities with the filter's counts of candidates (suppressed under 5), companies
    and postings, and the latest unemployment figure when the cache has statistics."""
    import pandas as pd
    import shapely

    munis = con.execute(
        "SELECT kode, navn, region_kode, geom FROM municipalities WHERE geom IS NOT NULL "
        "ORDER BY kode"
    ).fetchall()
    if not munis:
        raise WorkbenchError("the cache has no municipality outlines (refresh boundaries)")
    frame = pd.DataFrame(
        {
            "kommune_kode": [m[0] for m in munis],
            "navn": [m[1] for m in munis],
            "region_kode": [m[2] for m in munis],
        }
    )
    for entity in ("candidates", "companies", "postings"):
        counts = _counts_by_municipality(con, entity, flt)
        values = np.array([counts.get(k, 0) for k in frame["kommune_kode"]], dtype=float)
        if entity == "candidates":  # small counts could point at a person
            values[(values > 0) & (values < SUPPRESS_BELOW)] = np.nan
        frame[entity] = values
    frame["geometry"] = shapely.from_wkb([bytes(m[3]) for m in munis])
    return frame


def _counts_by_municipality(
    con: duckdb.DuckDBPyConnection, entity: str, flt: Filter
) -> dict[str, int]:
    table = {"candidates": "candidates", "companies": "companies", "postings": "job_postings"}[
        entity
    ]
    c = compile_where(entity, _for_entity(flt, entity), strict=False)  # type: ignore[arg-type]
    rows = con.execute(
        f"SELECT t.kommune_kode, count(*) FROM {table} AS t WHERE {c.where} GROUP BY 1",
        c.params,
    ).fetchall()
    return {k: int(n) for k, n in rows if k}


def _for_entity(flt: Filter, entity: str) -> Filter:
    # A municipality layer counts every entity: keep only the clauses that apply to it.
    return (
        flt
        if entity == "candidates"
        else Filter(municipalities=flt.municipalities, selection=flt.selection, today=flt.today)
    )


# -- area layers in ----------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedArea:
    name: str
    candidates: int | None
    companies: int | None


def import_areas(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    name_field: str | None = None,
    layer: str | None = None,
    prefix: str | None = None,
) -> list[ImportedArea]:
    """Read polygons from a GeoPackage, Shapefile or GeoJSON (any CRS with a definition;
    GeoJSON without one is WGS84) and keep each as a saved selection named
    ``<prefix>: <name>`` (prefix: the file's stem)."""
    import geopandas as gpd
    import shapely

    from ..selections import save_selection

    path = Path(path)
    if not path.is_file():
        raise WorkbenchError(f"area file {path} does not exist")
    driver_for(path)
    try:
        gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # pyogrio's errors name the file and the problem
        raise WorkbenchError(f"cannot read {path.name}: {str(exc).splitlines()[0]}") from None
    if gdf.crs is None:
        raise WorkbenchError(f"{path.name} has no coordinate system (.prj); cannot place it")
    gdf = gdf.to_crs(CRS)
    gdf = gdf[gdf.geometry.notna() & gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
    if gdf.empty:
        raise WorkbenchError(f"{path.name} holds no polygons")
    if name_field is None:
        name_field = next(
            (c for c in gdf.columns if c.lower() in ("navn", "name", "titel", "distrikt")), None
        )
    elif name_field not in gdf.columns:
        raise WorkbenchError(
            f"{path.name} has no field {name_field!r}; fields: "
            + ", ".join(c for c in gdf.columns if c != "geometry")
        )
    prefix = prefix or path.stem
    # every area is read and checked before the first is saved: a bad file saves none
    areas = [
        (
            f"{prefix}: {getattr(row, name_field) if name_field else i}",
            Selection.polygon(shapely.make_valid(row.geometry)),
        )
        for i, row in enumerate(gdf.itertuples(index=False), start=1)
    ]
    out = []
    for name, selection in areas:
        saved = save_selection(con, name, selection)
        out.append(ImportedArea(saved.name, saved.candidates, saved.companies))
    return out


def area_names(con: duckdb.DuckDBPyConnection) -> Sequence[str]:
    return [r[0] for r in con.execute("SELECT name FROM saved_selections ORDER BY name").fetchall()]
