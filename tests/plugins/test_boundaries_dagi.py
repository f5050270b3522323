"""boundaries plugin on the current DAGI channels: the download files (GeoPackage written with
geopandas, and JSON) holding every scale, municipalities linked to regions by the DAGI id,
Christiansø, the closed 1:10 000 service, Datafordeler's apiKey and its refusal.

The DAGI-shaped data is built from ../shared/fixtures/boundaries (geometries, codes, names)
and ../shared/fixtures/reference (each municipality's region, each region's DAGI id)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
import shapely

from tests.plugins.fixture_server import FixtureServer, Reply
from workbench.core.config import load_settings
from workbench.core.plugins.api import RefreshContext
from workbench.core.plugins.host import PluginHost, discover
from workbench.plugins.boundaries.sources import (
    DATAFORDELER_WFS,
    resolve_url,
    scale_key,
)

SCALES = ("1:250.000", "1:10.000")


@pytest.fixture(scope="module")
def dagi(shared_fixtures: Path) -> dict[str, list[dict[str, Any]]]:
    """DAGI-like features (GeoJSON dicts, WGS84) in two scales; 0411 is left out as DAGI's
    kommuneinddeling does (Christiansø lies outside the municipal division)."""
    b, ref = shared_fixtures / "boundaries", shared_fixtures / "reference"
    kommuner = json.loads((b / "kommuner.geojson").read_text("utf-8"))["features"]
    regioner = json.loads((b / "regioner.geojson").read_text("utf-8"))["features"]
    region_of = {
        k["kode"]: k["regionskode"]
        for k in json.loads((ref / "kommuner_attributes.json").read_text("utf-8"))
    }
    dagi_id = {
        r["kode"]: r["dagi_id"]
        for r in json.loads((ref / "regioner_attributes.json").read_text("utf-8"))
    }
    munis, regions = [], []
    for skala in SCALES:
        suffix = "" if skala == "1:250.000" else " (1:10.000)"
        for f in kommuner:
            code = f["properties"]["kode"]
            if code == "0411":
                continue
            props = {
                "kommunekode": code,
                "navn": f["properties"]["navn"] + suffix,
                "regionLokalId": dagi_id[region_of[code]],
                "skala": skala,
            }
            munis.append({"type": "Feature", "properties": props, "geometry": f["geometry"]})
        for f in regioner:
            code = f["properties"]["kode"]
            props = {
                "id.lokalId": dagi_id[code],
                "regionskode": code,
                "navn": f["properties"]["navn"] + suffix,
                "skala": skala,
            }
            regions.append({"type": "Feature", "properties": props, "geometry": f["geometry"]})
    return {"kommuner": munis, "regioner": regions}


def _host(tmp_path: Path, plugin: str, environ: dict[str, str] | None = None) -> PluginHost:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        "[http]\nretries = 1\nbackoff_s = 0\ntimeout_s = 5\nretry_after_max_s = 0\n\n"
        "[plugins.boundaries]\n" + plugin,
        "utf-8",
    )
    plugins = [p for p in discover() if p.id == "boundaries"]
    settings = load_settings(cfg, environ=environ or {})
    return PluginHost(tmp_path / "cache.duckdb", settings, plugins=plugins)


def _write_gpkg(path: Path, dagi: dict[str, list[dict[str, Any]]]) -> None:
    import geopandas

    for layer, features in (("kommuneinddeling", "kommuner"), ("regionsinddeling", "regioner")):
        frame = geopandas.GeoDataFrame.from_features(dagi[features], crs="EPSG:4326")
        frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")


def _expected_counts(shared_fixtures: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    ref = json.loads((shared_fixtures / "reference" / "kommuner_attributes.json").read_text())
    for k in ref:
        if k["kode"] != "0411":
            counts[k["regionskode"]] = counts.get(k["regionskode"], 0) + 1
    return counts


def test_geopackage_with_every_scale_picks_skala_and_links_regions_by_dagi_id(
    tmp_path: Path, dagi: dict[str, Any], shared_fixtures: Path
):
    gpkg = tmp_path / "DAGI_multigeom.gpkg"
    _write_gpkg(gpkg, dagi)
    with _host(tmp_path, f'url = "{gpkg.as_posix()}"\nregions_url = ""\nskala = "250"\n') as host:
        result = host.run("boundaries")
        assert result.ok, result.message
        assert "skala 250: 98 af 196 geometrier" in result.message
        rows = host.con.execute(
            "SELECT kode, navn, region_kode, geom, cx, cy FROM municipalities ORDER BY kode"
        ).fetchall()
        assert len(rows) == 98 and not any(r[1].endswith("(1:10.000)") for r in rows)
        for _kode, _navn, _region, wkb, cx, cy in rows:
            geom = shapely.from_wkb(wkb)
            assert 400_000 < geom.bounds[0] < 900_000  # projected to EPSG:25832
            assert geom.contains(shapely.Point(cx, cy))
        regions = dict(host.con.execute("SELECT kode, navn FROM regions").fetchall())
        assert regions["1084"] == "Region Hovedstaden" and len(regions) == 5
        counts = dict(
            host.con.execute(
                "SELECT region_kode, count(*) FROM municipalities GROUP BY 1"
            ).fetchall()
        )
        assert counts == _expected_counts(shared_fixtures)


def test_the_region_comes_from_the_dagi_id_not_from_the_location(
    tmp_path: Path, dagi: dict[str, Any]
):
    data = json.loads(json.dumps(dagi))
    midt = next(r for r in data["regioner"] if r["properties"]["regionskode"] == "1082")
    for f in data["kommuner"]:
        if f["properties"]["kommunekode"] == "0851":  # Aalborg, linked to Midtjylland
            f["properties"]["regionLokalId"] = midt["properties"]["id.lokalId"]
    k, r = tmp_path / "k.json", tmp_path / "r.json"
    k.write_text(json.dumps({"type": "FeatureCollection", "features": data["kommuner"]}))
    r.write_text(json.dumps({"type": "FeatureCollection", "features": data["regioner"]}))
    config = f'url = "{k.as_posix()}"\nregions_url = "{r.as_posix()}"\nregion_property = ""\n'
    with _host(tmp_path, config) as host:
        assert host.run("boundaries").ok
        assert host.con.execute(
            "SELECT region_kode FROM municipalities WHERE kode = '0851'"
        ).fetchone() == ("1082",)


def _records(features: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The download JSON's shape: flat records, geometry as WKT (EPSG:25832)."""
    from pyproj import Transformer

    t = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
    out = []
    for f in features:
        geom = shapely.transform(
            shapely.geometry.shape(f["geometry"]),
            lambda x, y: t.transform(x, y),
            interleaved=False,
        )
        out.append({**f["properties"], "geometri": shapely.to_wkt(geom, rounding_precision=2)})
    return out


def test_download_json_over_http_keeps_christiansoe_and_names_missing_scales(
    tmp_path: Path, dagi: dict[str, Any], fixture_server: FixtureServer, kommuner_geojson: Path
):
    fixture_server.route("GET", "/dagi/kommuner.json", Reply.json(_records(dagi["kommuner"])))
    fixture_server.route("GET", "/dagi/regioner.json", Reply.json(_records(dagi["regioner"])))
    # An earlier refresh from a file that had Christiansø (as the address service does).
    old = f'url = "{kommuner_geojson.as_posix()}"\ncode_property = "kode"\nregions_url = ""\n'
    with _host(tmp_path, old + 'region_property = ""\n') as host:
        assert host.run("boundaries").ok
    config = (
        f'url = "{fixture_server.url}/dagi/kommuner.json"\n'
        f'regions_url = "{fixture_server.url}/dagi/regioner.json"\nskala = "1:10.000"\n'
    )
    with _host(tmp_path, config) as host:
        result = host.run("boundaries")
        assert result.ok, result.message
        assert "Christiansø (0411) er uden for kommuneinddelingen i kilden" in result.message
        rows = dict(host.con.execute("SELECT kode, region_kode FROM municipalities").fetchall())
        assert len(rows) == 99 and rows["0411"] == "1084"
        assert host.con.execute(
            "SELECT navn FROM municipalities WHERE kode = '0101'"
        ).fetchone() == ("København (1:10.000)",)
        before = host.con.execute("SELECT * FROM municipalities ORDER BY kode").fetchall()
        host.settings.data["plugins"]["boundaries"]["skala"] = "1:500.000"
        result = host.run("boundaries")
        assert result.status == "failed"
        assert result.message == (
            f"{fixture_server.url}/dagi/kommuner.json har ingen geometrier i skala 1:500.000; "
            "findes: 1:10.000, 1:250.000 (ret [plugins.boundaries] skala)"
        )
        assert host.con.execute("SELECT * FROM municipalities ORDER BY kode").fetchall() == before


def test_datafordeler_key_is_sent_as_apikey_and_a_refusal_names_the_setting_not_the_key(
    tmp_path: Path, dagi: dict[str, Any], fixture_server: FixtureServer
):
    key = "hemmelig-dagi-nøgle-42"
    collection = {"type": "FeatureCollection", "features": dagi["kommuner"][:98]}
    fixture_server.route("GET", "/DAGI/DAGI_WFS/1.0.0/WFS", Reply.json(collection))
    url = f"{fixture_server.url}/DAGI/DAGI_WFS/1.0.0/WFS?service=WFS&typeNames=dagi_v001:kommuneinddeling_current"
    config = f'url = "{url}"\nregions_url = ""\nregion_property = ""\n'
    environ = {"WORKBENCH__PLUGINS__BOUNDARIES__API_KEY": key}
    with _host(tmp_path, config, environ) as host:
        assert host.run("boundaries").ok
        assert fixture_server.calls("/DAGI/DAGI_WFS/1.0.0/WFS")[0].query["apiKey"] == [key]
        fixture_server.route("GET", "/DAGI/DAGI_WFS/1.0.0/WFS", Reply(status=403))
        result = host.run("boundaries")
        assert result.status == "failed"
        assert result.message == (
            "DAGI afviste adgangen (HTTP 403): tjek "
            "WORKBENCH__PLUGINS__BOUNDARIES__API_KEY ([plugins.boundaries] api_key)"
        )
        assert host.con.execute("SELECT count(*) FROM municipalities").fetchone() == (98,)


def _ctx(**config: Any) -> RefreshContext:
    return RefreshContext("boundaries", "r", config, None, None, lambda *a: None, threading.Event())


def test_the_closed_service_and_the_key_choose_the_channel():
    closed = (
        "https://api.dataforsyningen.dk/DAGI_10MULTIGEOM_GMLSFP_DAF?service=WFS"
        "&typeNames=dagi:Kommuneinddeling"
    )
    ctx = _ctx()
    assert resolve_url(ctx, closed, "kommune") == closed.replace("_10MULTI", "_250MULTI")
    assert ctx.notes == [
        "DAGI_10MULTIGEOM_GMLSFP_DAF er lukket; bruger DAGI_250MULTIGEOM_GMLSFP_DAF: "
        "ret [plugins.boundaries] url"
    ]
    keyed = _ctx(api_key="k")
    assert resolve_url(keyed, closed, "region") == DATAFORDELER_WFS.format(
        typename="regionsinddeling"
    )
    assert resolve_url(keyed, "/data/dagi.gpkg", "kommune") == "/data/dagi.gpkg"


def test_scale_key():
    assert scale_key("1:250.000") == scale_key("250000") == scale_key("250") == 250
    assert scale_key("1:10 000") == scale_key("10") == 10
    assert scale_key("") is None
