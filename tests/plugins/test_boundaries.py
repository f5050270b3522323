"""boundaries plugin: the real kommuner/regioner GeoJSON over local HTTP, crafted edge cases,
and the fault cases (HTTP 500, 429, timeout, malformed JSON, cancel)."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest
import shapely

from tests.plugins.fixture_server import FixtureServer, Reply
from workbench.core.config import load_settings
from workbench.core.plugins.host import PluginHost, discover


def _host(tmp_path: Path, toml: str) -> PluginHost:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        "[http]\nretries = 2\nbackoff_s = 0\ntimeout_s = 1\nretry_after_max_s = 0\n\n" + toml,
        "utf-8",
    )
    plugins = [p for p in discover() if p.id == "boundaries"]
    return PluginHost(tmp_path / "cache.duckdb", load_settings(cfg), plugins=plugins)


def _config(url: str, **extra: str) -> str:
    lines = [
        "[plugins.boundaries]",
        f'url = "{url}"',
        'code_property = "kode"',
        'name_property = "navn"',
    ]
    extra = {"regions_url": "", "region_property": "", **extra}  # never the real DAGI defaults
    lines += [f'{k} = "{v}"' for k, v in extra.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def served(fixture_server: FixtureServer, shared_fixtures: Path) -> FixtureServer:
    b = shared_fixtures / "boundaries"
    fixture_server.route(
        "GET", "/k.geojson", Reply.file(b / "kommuner.geojson", "application/geo+json")
    )
    fixture_server.route(
        "GET", "/r.geojson", Reply.file(b / "regioner.geojson", "application/geo+json")
    )
    return fixture_server


def _loaded(tmp_path: Path, served: FixtureServer) -> PluginHost:
    host = _host(
        tmp_path,
        _config(
            served.url + "/k.geojson",
            regions_url=served.url + "/r.geojson",
            region_code_property="kode",
            region_name_property="navn",
        ),
    )
    result = host.run("boundaries")
    assert result.ok, result.message
    return host


def test_real_municipalities_and_regions(tmp_path: Path, served: FixtureServer):
    with _loaded(tmp_path, served) as host:
        rows = host.con.execute(
            "SELECT kode, navn, region_kode, geom, cx, cy, source FROM municipalities"
        ).fetchall()
        assert len(rows) == 99
        by_code = {r[0]: r for r in rows}
        assert by_code["0101"][1:3] == ("København", "1084")
        assert by_code["0851"][1:3] == ("Aalborg", "1081")
        assert by_code["0411"][2] == "1084"  # Christiansø lies in Region Hovedstaden
        for kode, _navn, _region, wkb, cx, cy, source in rows:
            assert len(kode) == 4 and kode.isdigit() and source == "boundaries"
            geom = shapely.from_wkb(wkb)
            assert geom.geom_type == "MultiPolygon" and geom.is_valid and not geom.has_z
            minx, miny, maxx, maxy = geom.bounds
            assert (
                400_000 < minx < maxx < 900_000 and 6_000_000 < miny < maxy < 6_450_000
            )  # UTM 32N
            assert geom.contains(shapely.Point(cx, cy))
        regions = dict(host.con.execute("SELECT kode, navn FROM regions").fetchall())
        assert regions == {
            "1081": "Region Nordjylland",
            "1082": "Region Midtjylland",
            "1083": "Region Syddanmark",
            "1084": "Region Hovedstaden",
            "1085": "Region Sjælland",
        }
        counts = dict(
            host.con.execute(
                "SELECT region_kode, count(*) FROM municipalities GROUP BY 1"
            ).fetchall()
        )
        assert counts == {"1081": 11, "1082": 19, "1083": 22, "1084": 30, "1085": 17}
        assert served.calls("/k.geojson")[0].headers["User-Agent"].startswith("Jobkort-workbench")


def _square(x: float, y: float, d: float, z: float | None = None) -> list:
    pts = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
    return [[p + ([z] if z is not None else []) for p in pts]]


def test_parts_dissolved_codes_normalised_3d_flattened_utm_input(tmp_path: Path):
    features = [
        # København in two parts, integer code, 3-D coordinates, EPSG:25832 input
        {"properties": {"kommunekode": 101, "navn": "København", "regionskode": 1084},
         "geometry": {"type": "Polygon", "coordinates": _square(720_000, 6_170_000, 1000, 12.5)}},
        {"properties": {"kommunekode": "101", "navn": "København", "regionskode": "1084"},
         "geometry": {"type": "MultiPolygon", "coordinates": [_square(725_000, 6_175_000, 500, 3.0)]}},
        {"properties": {"kommunekode": "0147", "navn": "Frederiksberg", "regionskode": "1084"},
         "geometry": {"type": "Polygon", "coordinates": _square(718_000, 6_174_000, 800)}},
        {"properties": {"navn": "Uden kode"}, "geometry": {"type": "Polygon", "coordinates": _square(0, 0, 1)}},
        {"properties": {"kommunekode": "0151", "navn": "Punkt"}, "geometry": {"type": "Point", "coordinates": [1, 2]}},
    ]  # fmt: skip
    path = tmp_path / "k.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
                "features": features,
            }
        ),
        "utf-8",
    )
    toml = f'[plugins.boundaries]\nurl = "{path.as_posix()}"\ncode_property = "kommunekode"\nname_property = "navn"\nregion_property = "regionskode"\nregions_url = ""\n'
    with _host(tmp_path, toml) as host:
        result = host.run("boundaries")
        assert result.ok and result.rows_rejected == 2, result
        rows = {
            r[0]: r
            for r in host.con.execute(
                "SELECT kode, region_kode, geom FROM municipalities"
            ).fetchall()
        }
        assert set(rows) == {"0101", "0147"}
        kbh = shapely.from_wkb(rows["0101"][2])
        assert kbh.geom_type == "MultiPolygon" and len(kbh.geoms) == 2 and not kbh.has_z
        assert kbh.area == pytest.approx(1000**2 + 500**2)
        assert kbh.bounds == pytest.approx((720_000, 6_170_000, 725_500, 6_175_500))
        regions = host.con.execute("SELECT kode, navn FROM regions").fetchall()
        assert regions == [("1084", "Region Hovedstaden")]  # dissolved from the municipalities
        rejects = host.con.execute(
            "SELECT row_number, field, reason FROM municipalities_rejects ORDER BY row_number"
        ).fetchall()
        assert rejects == [
            (4, "kommunekode", "mangler kommunekode"),
            (5, "geometry", "geometri er ikke et polygon (Point)"),
        ]


@pytest.mark.parametrize(
    ("replies", "status", "message"),
    [
        (
            [Reply(status=500), Reply.text("{}", "application/json")],
            "failed",
            "ikke en GeoJSON FeatureCollection",
        ),
        ([Reply.text("{not json", "application/json")], "failed", "ugyldig GeoJSON"),
        ([Reply(status=404)], "failed", "HTTP 404"),
        ([Reply(hang=True)], "failed", "timeout"),
        (
            [Reply.json({"type": "FeatureCollection", "features": []})],
            "failed",
            "ingen brugbare kommuner",
        ),
    ],
    ids=["500-then-empty-object", "malformed-json", "404", "timeout", "no-features"],
)
def test_faults_keep_previous_boundaries(
    tmp_path: Path, served: FixtureServer, replies, status, message
):
    with _loaded(tmp_path, served) as host:
        before = host.con.execute(
            "SELECT kode, navn, geom FROM municipalities ORDER BY kode"
        ).fetchall()
        served.route("GET", "/bad.geojson", replies)
        host.settings.data["plugins"]["boundaries"]["url"] = served.url + "/bad.geojson"
        host.settings.data["http"]["timeout_s"] = 0.3
        result = host.run("boundaries")
        assert result.status == status and message in result.message, result.message
        assert (
            host.con.execute("SELECT kode, navn, geom FROM municipalities ORDER BY kode").fetchall()
            == before
        )
        logged = host.con.execute(
            "SELECT status, message FROM refresh_log WHERE run_id = ?", [result.run_id]
        ).fetchone()
        assert logged == (status, result.message)


def test_500_and_429_are_retried_to_success(
    tmp_path: Path, served: FixtureServer, shared_fixtures: Path
):
    body = (shared_fixtures / "boundaries" / "kommuner.geojson").read_bytes()
    served.route(
        "GET",
        "/flaky.geojson",
        [Reply(status=500), Reply(status=429, headers={"Retry-After": "1"}), Reply(200, body)],
    )
    with _host(tmp_path, _config(served.url + "/flaky.geojson")) as host:
        result = host.run("boundaries")
        assert result.ok and result.rows_written == 99
        assert len(served.calls("/flaky.geojson")) == 3


def test_cancel_half_way_keeps_previous_boundaries(tmp_path: Path, served: FixtureServer):
    with _loaded(tmp_path, served) as host:
        cancel = threading.Event()

        def on_progress(plugin: str, fraction: float | None, message: str) -> None:
            if message.startswith("læser municipalities: 40/"):
                cancel.set()

        host.settings.data["plugins"]["boundaries"]["regions_url"] = ""
        host.con.execute("UPDATE municipalities SET navn = navn || ' (før)'")
        result = host.run("boundaries", on_progress=on_progress, cancel=cancel)
        assert result.status == "cancelled"
        names = [r[0] for r in host.con.execute("SELECT navn FROM municipalities").fetchall()]
        assert len(names) == 99 and all(n.endswith(" (før)") for n in names)
        assert host.con.execute(
            "SELECT status FROM refresh_log WHERE run_id = ?", [result.run_id]
        ).fetchone() == ("cancelled",)


def test_paged_collection_follows_next_links(
    tmp_path: Path, fixture_server: FixtureServer, kommuner_geojson: Path
):
    data = json.loads(kommuner_geojson.read_text("utf-8"))
    features = data["features"]
    url = fixture_server.url
    fixture_server.route("GET", "/items", Reply.json({"type": "FeatureCollection", "features": features[:50],
                         "links": [{"rel": "next", "href": f"{url}/items2?offset=50"}]}))  # fmt: skip
    fixture_server.route(
        "GET", "/items2", Reply.json({"type": "FeatureCollection", "features": features[50:]})
    )
    with _host(tmp_path, _config(url + "/items") + 'token = "hemmeligt-token"\n') as host:
        result = host.run("boundaries")
        assert result.ok and result.rows_written == 99
        assert fixture_server.calls("/items2")[0].query == {
            "offset": ["50"],
            "token": ["hemmeligt-token"],
        }


def test_unreachable_source_names_the_url_but_never_the_token(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/dagi/kommuner?service=WFS"
    with _host(tmp_path, _config(url) + 'token = "hemmeligt-token-7"\n') as host:
        with caplog.at_level("DEBUG"):
            result = host.run("boundaries")
        assert result.status == "failed"
        assert result.message == (
            "kan ikke forbinde til kilden — forbindelse mislykkedes til "
            f"http://127.0.0.1:{port}/dagi/kommuner"
        )
        logged = host.con.execute(
            "SELECT message FROM refresh_log WHERE run_id = ?", [result.run_id]
        ).fetchone()
        assert logged == (result.message,)
    logs = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "hemmeligt-token-7" not in logs


def test_without_regions_source_the_cached_region_codes_are_kept(
    tmp_path: Path, served: FixtureServer, kommuner_geojson: Path
):
    with _loaded(tmp_path, served) as host:
        codes_before = dict(
            host.con.execute("SELECT kode, region_kode FROM municipalities").fetchall()
        )
        regions_before = host.con.execute(
            "SELECT kode, navn, geom FROM regions ORDER BY kode"
        ).fetchall()
        assert len(regions_before) == 5 and all(codes_before.values())
        # The source now has 60 of the municipalities and one new code; no regions source.
        data = json.loads(kommuner_geojson.read_text("utf-8"))
        features = data["features"][:60]
        new = json.loads(json.dumps(features[0]))
        new["properties"]["kode"], new["properties"]["navn"] = "0999", "Ny kommune"
        served.route("GET", "/k60.geojson", Reply.json({**data, "features": [*features, new]}))
        host.settings.data["plugins"]["boundaries"]["url"] = served.url + "/k60.geojson"
        host.settings.data["plugins"]["boundaries"]["regions_url"] = ""
        messages: list[str] = []
        result = host.run("boundaries", on_progress=lambda _p, _f, msg: messages.append(msg))
        assert result.ok, result.message
        after = dict(host.con.execute("SELECT kode, region_kode FROM municipalities").fetchall())
        assert len(after) == 61 and after.pop("0999") is None  # no region known for a new code
        assert after == {kode: codes_before[kode] for kode in after}  # all 60 kept their region
        assert (
            host.con.execute("SELECT kode, navn, geom FROM regions ORDER BY kode").fetchall()
            == regions_before
        )
        assert any("regioner bevaret" in m for m in messages), messages
