"""The regions' outlines for the map when the cache holds no region geometry (the demo,
the national bench cache, a boundaries source without regions): the municipalities
dissolved by region.

Dissolving the 99 municipalities cost ~0.5 s of every start-up on the national cache
(issue #17), so the result is kept in ``region_outlines`` under a fingerprint of its inputs
(the municipalities' codes, regions and geometry, and the parameters below): any change of
those recomputes it, nothing has to remember to invalidate it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence

import duckdb
import shapely

from . import cache

log = logging.getLogger(__name__)

SIMPLIFY_M = 50.0  # the map draws the outlines simplified to 50 m
GRID_M = 10.0  # snap while dissolving: the simplified neighbours do not share exact edges
_VERSION = f"v1:{SIMPLIFY_M}:{GRID_M}"  # a new recipe gives a new fingerprint

# The municipalities the map draws (geometry present), in a stable order.
# the md5 of _VERSION and this is the fingerprint; hashed here, not bound into the SQL: the
# window reads it before its first paint, which binds no parameter (DuckDB imports pandas
# at the first one, issue #17)
_FINGERPRINT_SQL = (
    "SELECT string_agg(kode || ':' || coalesce(region_kode, '') || ':' || md5(geom), "
    "',' ORDER BY kode) FROM municipalities WHERE geom IS NOT NULL"
)


def dissolve_by_region(geoms: Sequence[object], keys: Sequence[str | None]) -> dict[str, object]:
    """``geoms`` (shapely, None skipped) unioned per key (keys None skipped), by key."""
    out: dict[str, object] = {}
    for key in sorted({k for k in keys if k}):
        parts = [g for g, k in zip(geoms, keys, strict=True) if k == key and g is not None]
        if parts:
            out[key] = shapely.union_all(parts, grid_size=GRID_M)
    return out


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute(_FINGERPRINT_SQL).fetchone()
    if not row or row[0] is None:
        return ""
    return hashlib.md5((_VERSION + row[0]).encode("utf-8")).hexdigest()  # as DuckDB's md5


def dissolved_regions(
    con: duckdb.DuckDBPyConnection, geoms: Sequence[object], keys: Sequence[str | None]
) -> list[object]:
    """The municipalities ``geoms`` (simplified to ``SIMPLIFY_M``, in the order of
    ``municipality_shapes``) dissolved by their region ``keys``, ordered by region code:
    read from ``region_outlines`` when they were dissolved from the same municipalities
    before, else dissolved now and kept (a cache that cannot be written dissolves each time)."""
    key = fingerprint(con)
    try:
        # a handful of rows (one per region), filtered here: no bound parameter (see above)
        rows = con.execute(
            "SELECT fingerprint, geom FROM region_outlines ORDER BY region_kode"
        ).fetchall()
    except duckdb.Error:  # not migrated (an old read-only cache): dissolve
        rows = []
    kept = [geom for fp, geom in rows if fp == key]
    if kept:
        return [shapely.from_wkb(bytes(g)) for g in kept]
    regions = dissolve_by_region(geoms, keys)
    try:
        with cache.transaction(con):
            con.execute("DELETE FROM region_outlines")
            con.executemany(
                "INSERT INTO region_outlines VALUES (?, ?, ?)",
                [[key, code, shapely.to_wkb(g)] for code, g in regions.items()],
            )
    except duckdb.Error as exc:  # read-only, or a writer holds the table: not kept
        log.debug("region outlines not kept: %s", exc)
    return list(regions.values())
