"""The points the peers work on: written once per cache to GeoPackages beside it.

The same rows our map draws (placed candidates and companies, EPSG:25832), with the filter
columns as plain text and numbers so that an OGR subset string can express our filters:
list columns become ``,a,b,`` text, the collaboration status is the company's class
(``core.collaboration``) on the cache's reference date.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from workbench.core.collaboration import STATUS_KEYS, status_case_sql

CANDIDATES_SQL = """
SELECT x, y, kommune_kode,
       ',' || coalesce(array_to_string(occupation_codes, ','), '') || ',' AS occupations,
       ',' || coalesce(array_to_string(qualification_codes, ','), '') || ',' AS qualifications,
       CAST(unemployed_since AS VARCHAR) AS unemployed_since
FROM candidates WHERE x IS NOT NULL AND y IS NOT NULL
"""

COMPANIES_SQL = f"""
SELECT x, y, kommune_kode, industry_code, employees,
       list_extract(?, ({status_case_sql("t")}) + 1) AS collaboration
FROM companies t WHERE x IS NOT NULL AND y IS NOT NULL
"""


def peer_dir(cache_path: Path) -> Path:
    return Path(f"{cache_path}.bench")


def write_peer_data(cur: Any, cache_path: Path, today: date) -> dict[str, Path]:
    """The GeoPackages for ``cache_path`` (reused while newer than the cache file)."""
    import pyogrio  # a dependency of the boundaries plugin; no Qt

    out = peer_dir(cache_path)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"candidates": out / "candidates.gpkg", "companies": out / "companies.gpkg"}
    stamp = out / "today.txt"
    fresh = (
        all(p.exists() and p.stat().st_mtime >= cache_path.stat().st_mtime for p in paths.values())
        and stamp.exists()
        and stamp.read_text() == today.isoformat()
    )
    if fresh:
        return paths
    queries = {
        "candidates": (CANDIDATES_SQL, []),
        "companies": (COMPANIES_SQL, [list(STATUS_KEYS), today]),
    }
    for entity, (sql, params) in queries.items():
        table = cur.execute(sql, params).fetch_arrow_table()
        _write_points(pyogrio, table, paths[entity], entity)
    stamp.write_text(today.isoformat())
    return paths


def _write_points(pyogrio: Any, table: Any, path: Path, layer: str) -> None:
    import numpy as np
    import shapely

    x = table.column("x").to_numpy()
    y = table.column("y").to_numpy()
    geometry = shapely.to_wkb(shapely.points(np.column_stack([x, y])))
    attrs = table.drop_columns(["x", "y"])
    tmp = path.with_suffix(".tmp.gpkg")
    tmp.unlink(missing_ok=True)
    pyogrio.write_arrow(
        attrs.append_column("geometry", _binary(geometry)),
        tmp,
        layer=layer,
        driver="GPKG",
        geometry_name="geometry",
        geometry_type="Point",
        crs="EPSG:25832",
        encoding="UTF-8",
        # GeoPackage 1.2: the GDAL of a distribution's QGIS (3.22) reads it without warnings
        dataset_options={"VERSION": "1.2"},
    )
    tmp.replace(path)


def _binary(values: Any) -> Any:
    import pyarrow as pa

    return pa.array(list(values), type=pa.binary())
