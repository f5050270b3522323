"""GIS interchange: layers out to GeoPackage/GeoJSON/Shapefile in EPSG:25832 (read back with
geopandas), candidates only as suppressed counts, and area layers in as filters."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from workbench.cli import main
from workbench.core import cache


def _export(capsys, cache_path: Path, *args: str) -> dict:
    assert main(["export", *args, "--cache", str(cache_path), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp"])
def test_companies_of_a_filter_export_in_every_format(
    small_demo_cache: Path, tmp_path: Path, capsys, suffix: str
) -> None:
    out = tmp_path / f"virksomheder{suffix}"
    done = _export(capsys, small_demo_cache, "companies", str(out), "--municipality", "0851")
    con = cache.connect(small_demo_cache, read_only=True)
    try:
        expected = con.execute(
            "SELECT cvr, pnr, x, y FROM companies WHERE kommune_kode = '0851' AND x IS NOT NULL"
        ).fetchall()
    finally:
        con.close()
    gdf = gpd.read_file(out, layer="companies" if suffix == ".gpkg" else None)
    assert done["rows"] == len(gdf) == len(expected) > 0
    assert gdf.crs.to_epsg() == 25832
    by_key = {(r[0], r[1]): (r[2], r[3]) for r in expected}
    for row in gdf.head(20).itertuples():
        x, y = by_key[(row.cvr, row.pnr)]
        assert (round(row.geometry.x, 3), round(row.geometry.y, 3)) == (round(x, 3), round(y, 3))
    if suffix == ".shp":
        assert "komkode" in gdf.columns and all(len(c) <= 10 for c in gdf.columns)


def test_candidates_leave_only_as_suppressed_counts_per_municipality(
    small_demo_cache: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "ledige.gpkg"
    _export(capsys, small_demo_cache, "candidates", str(out), "--occupation", "5120")
    gdf = gpd.read_file(out, layer="candidates")
    assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
    assert "candidate_id" not in gdf.columns and "x" not in gdf.columns
    con = cache.connect(small_demo_cache, read_only=True)
    try:
        truth = dict(
            con.execute(
                "SELECT kommune_kode, count(*) FROM candidates c WHERE EXISTS (SELECT 1 FROM "
                "candidate_occupations o WHERE o.rid = c.rid AND o.code LIKE '5120%') GROUP BY 1"
            ).fetchall()
        )
    finally:
        con.close()
    got = dict(zip(gdf["kommune_kode"], gdf["candidates"], strict=True))
    for kode, n in truth.items():
        if n < 5:
            assert got[kode] != got[kode]  # NaN: suppressed
        else:
            assert got[kode] == n
    assert any(n < 5 for n in truth.values())  # the suppression was exercised


def test_bad_format_and_unknown_area_are_one_line_exit_2(
    small_demo_cache: Path, tmp_path: Path, capsys
) -> None:
    assert (
        main(["export", "companies", str(tmp_path / "x.kml"), "--cache", str(small_demo_cache)])
        == 2
    )
    assert ".gpkg, .geojson or .shp" in capsys.readouterr().err
    assert main(["search", "companies", "--area", "Nord", "--cache", str(small_demo_cache)]) == 2
    assert "no saved selection or area named 'Nord'" in capsys.readouterr().err


def test_imported_districts_filter_search_and_export(
    small_demo_cache: Path, tmp_path: Path, capsys
) -> None:
    # Two districts as WGS84 GeoJSON, as a jobcenter would draw them in QGIS.
    con = cache.connect(small_demo_cache, read_only=True)
    try:
        wkb = con.execute("SELECT geom FROM municipalities WHERE kode = '0851'").fetchone()[0]
    finally:
        con.close()
    aalborg = shapely.from_wkb(bytes(wkb))
    west, east = (
        shapely.clip_by_rect(aalborg, *b)
        for b in (
            (aalborg.bounds[0], aalborg.bounds[1], aalborg.centroid.x, aalborg.bounds[3]),
            (aalborg.centroid.x, aalborg.bounds[1], aalborg.bounds[2], aalborg.bounds[3]),
        )
    )
    districts = gpd.GeoDataFrame(
        {"distrikt": ["Vest", "Øst"]}, geometry=[west, east], crs="EPSG:25832"
    ).to_crs("EPSG:4326")
    src = tmp_path / "distrikter.geojson"
    districts.to_file(src, driver="GeoJSON")
    assert (
        main(["areas", "import", str(src), "--cache", str(small_demo_cache), "--format", "json"])
        == 0
    )
    names = [a["name"] for a in json.loads(capsys.readouterr().out)["areas"]]
    assert names == ["distrikter: Vest", "distrikter: Øst"]

    def count(area: str) -> int:
        args = ["search", "companies", "--area", area, "--cache", str(small_demo_cache)]
        assert main([*args, "--format", "json"]) == 0
        return len(json.loads(capsys.readouterr().out)["items"])

    total = _export(
        capsys, small_demo_cache, "companies", str(tmp_path / "a.gpkg"), "--municipality", "0851"
    )["rows"]
    vest, oest = count("distrikter: Vest"), count("distrikter: Øst")
    assert vest > 0 and oest > 0 and abs(vest + oest - total) <= 2  # boundary points
