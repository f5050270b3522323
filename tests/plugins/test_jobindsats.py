"""jobindsats plugin: table Y30R21 (real rows from the fixture) over a local Jobindsats API v2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.plugins.fixture_server import FixtureServer, Reply, Request
from workbench.core.config import load_settings
from workbench.core.plugins.host import PluginHost, discover

KEY = "test-nøgle-123456"
PERIODS = ["2020QMAT02", "2020QMAT04", "2021QMAT02", "2021QMAT04", "2022QMAT02", "2022QMAT04"]


def _host(tmp_path: Path, server: FixtureServer, kommuner: Path, extra: str = "") -> PluginHost:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        "[http]\nretries = 1\nbackoff_s = 0\ntimeout_s = 1\nretry_after_max_s = 0\n\n"
        f'[plugins.boundaries]\nurl = "{kommuner.as_posix()}"\ncode_property = "kode"\nregions_url = ""\n'
        'region_property = ""\n\n'
        f'[plugins.jobindsats]\nbase_url = "{server.url}/v2"\nperiods = 2\n{extra}',
        "utf-8",
    )
    plugins = [p for p in discover() if p.id in ("boundaries", "jobindsats")]
    settings = load_settings(cfg, environ={"WORKBENCH__PLUGINS__JOBINDSATS__API_KEY": KEY})
    return PluginHost(tmp_path / "cache.duckdb", settings, plugins=plugins)


@pytest.fixture
def jobindsats(fixture_server: FixtureServer, shared_fixtures: Path) -> FixtureServer:
    return serve_jobindsats(fixture_server, shared_fixtures)


def serve_jobindsats(fixture_server: FixtureServer, shared_fixtures: Path) -> FixtureServer:
    """Table Y30R21 (metadata and the fixture's rows) behind the API key ``KEY``."""
    lines = (shared_fixtures / "jobindsats" / "y30r21_rows.ndjson").read_text("utf-8").splitlines()

    def authorised(req: Request) -> bool:
        return req.headers.get("Authorization") == KEY

    def meta(req: Request) -> Reply:
        if not authorised(req):
            return Reply.json({"message": "unauthorized"}, status=401)
        return Reply.json({"TableID": "Y30R21", "Period": PERIODS, "Measurements": []})

    def data(req: Request) -> Reply:
        if not authorised(req):
            return Reply.json({"message": "unauthorized"}, status=401)
        wanted = set(req.json()["period"])
        body = "\n".join(ln for ln in lines if json.loads(ln)["Periode"] in wanted)
        return Reply.text(body, "application/x-ndjson")

    fixture_server.route("GET", "/v2/tables/Y30R21/json", handler=meta)
    fixture_server.route("POST", "/v2/data/Y30R21/json", handler=data)
    return fixture_server


def test_y30r21_by_municipality_with_danish_decimals(
    tmp_path: Path, jobindsats: FixtureServer, kommuner_geojson: Path
):
    with _host(tmp_path, jobindsats, kommuner_geojson) as host:
        results = host.refresh(["boundaries", "jobindsats"])
        assert [(r.status, r.rows_rejected) for r in results] == [("ok", 0), ("ok", 0)]
        request = jobindsats.calls("/v2/data/Y30R21/json")[0]
        assert request.headers["Authorization"] == KEY
        assert request.json() == {"area": "*", "period": ["2022QMAT02", "2022QMAT04"]}
        n, kommuner, measures = host.con.execute(
            "SELECT count(*), count(DISTINCT kommune_kode), count(DISTINCT measure) FROM unemployment_stats"
        ).fetchone()
        assert kommuner == 98  # "Nordfyns"/"Vesthimmerlands" matched to Nordfyn/Vesthimmerland
        assert measures == 4 * 7 and n == 98 * 2 * 4 * 7

        host.settings.data["plugins"]["jobindsats"]["tables"] = [
            {"id": "Y30R21", "period": ["2020QMAT02"]}
        ]
        assert host.run("jobindsats").ok
        value, unit, source = host.con.execute(
            "SELECT value, unit, source FROM unemployment_stats WHERE kommune_kode = '0101' AND period = '2020QMAT02' "
            "AND measure = 'Y30R21: Forventet og faktisk andel fuldtidspersoner på offentlig forsørgelse: "
            "Forventet andel (pct.) [Ydelsesgrupper i alt]'"
        ).fetchone()
        assert (value, unit, source) == (9.08, "pct.", "jobindsats:Y30R21")
        negative = host.con.execute(
            "SELECT value FROM unemployment_stats WHERE kommune_kode = '0101' AND measure LIKE '%Forskel mellem forventet og faktisk andel%[A-dagpenge mv.]'"
        ).fetchone()
        assert negative == (-0.06,)
        assert host.con.execute("SELECT DISTINCT period FROM unemployment_stats").fetchall() == [
            ("2020QMAT02",)
        ]
        messages = " ".join(
            r[0] or "" for r in host.con.execute("SELECT message FROM refresh_log").fetchall()
        )
        assert KEY not in messages


def test_wrong_key_and_unknown_areas(
    tmp_path: Path, jobindsats: FixtureServer, kommuner_geojson: Path
):
    with _host(tmp_path, jobindsats, kommuner_geojson) as host:
        assert host.run("boundaries").ok
        assert host.run("jobindsats").ok
        before = host.con.execute("SELECT count(*) FROM unemployment_stats").fetchone()
        host.settings.data["plugins"]["jobindsats"]["api_key"] = "forkert-nøgle"
        result = host.run("jobindsats")
        assert (
            result.status == "failed"
            and result.message
            == "Jobindsats afviste API-nøglen (HTTP 401): tjek "
            "WORKBENCH__PLUGINS__JOBINDSATS__API_KEY ([plugins.jobindsats] api_key)"
        )
        assert host.con.execute("SELECT count(*) FROM unemployment_stats").fetchone() == before

        host.settings.data["plugins"]["jobindsats"]["api_key"] = KEY
        jobindsats.route(
            "POST",
            "/v2/data/Y30R21/json",
            Reply.json(
                [
                    {"Variables": [{"Name": "Area"}, {"Name": "Periode"}, {"Name": "Andel (pct.)"}],
                     "Data": [["Hele landet", "2022QMAT04", "5,10"], ["Atlantis", "2022QMAT04", "1,00"],
                              ["0101", "2022QMAT04", "4,20"], ["Aarhus", "2022QMAT04", ".."]]}
                ]
            ),
        )  # fmt: skip
        result = host.run("jobindsats")
        assert result.ok and result.rows_written == 1 and result.rows_rejected == 2
        assert host.con.execute(
            "SELECT kommune_kode, value FROM unemployment_stats"
        ).fetchall() == [("0101", 4.2)]
        rejects = host.con.execute(
            "SELECT value, reason FROM unemployment_stats_rejects WHERE run_id = ? ORDER BY row_number",
            [result.run_id],
        ).fetchall()
        assert rejects == [
            ("Atlantis", "ukendt kommune"),
            ("..", "værdi mangler eller er ikke et tal"),
        ]


def test_needs_municipalities_and_a_key(
    tmp_path: Path, jobindsats: FixtureServer, kommuner_geojson: Path
):
    with _host(tmp_path, jobindsats, kommuner_geojson) as host:
        result = host.run("jobindsats")
        assert result.status == "failed" and "opdatér 'boundaries'" in result.message
        host.settings.data["plugins"]["jobindsats"]["api_key"] = ""
        assert "jobindsats" not in host.configured_ids()


def test_malformed_json_keeps_previous(
    tmp_path: Path, jobindsats: FixtureServer, kommuner_geojson: Path
):
    with _host(tmp_path, jobindsats, kommuner_geojson) as host:
        assert all(r.ok for r in host.refresh(["boundaries", "jobindsats"]))
        before = host.con.execute("SELECT count(*) FROM unemployment_stats").fetchone()
        jobindsats.route(
            "POST", "/v2/data/Y30R21/json", Reply.text('{"Area": "København", ', "application/json")
        )
        result = host.run("jobindsats")
        assert result.status == "failed" and result.message.startswith(
            "ugyldigt JSON-svar fra Jobindsats"
        )
        assert host.con.execute("SELECT count(*) FROM unemployment_stats").fetchone() == before


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["plain", "bom"])
def test_expired_key_answered_with_200_is_one_clear_line(
    tmp_path: Path,
    jobindsats: FixtureServer,
    kommuner_geojson: Path,
    shared_fixtures: Path,
    bom: bytes,
):
    """Jobindsats answers a wrong or expired key with HTTP 200 and a one-key object."""
    body = shared_fixtures / "sources-2026" / "jobindsats" / "error_wrong_or_expired_key.json"
    refused = Reply(200, bom + body.read_bytes(), {"Content-Type": "application/json"})
    with _host(tmp_path, jobindsats, kommuner_geojson) as host:
        assert all(r.ok for r in host.refresh(["boundaries", "jobindsats"]))
        before = host.con.execute("SELECT * FROM unemployment_stats ORDER BY ALL").fetchall()
        jobindsats.route("GET", "/v2/tables/Y30R21/json", refused)
        jobindsats.route("POST", "/v2/data/Y30R21/json", refused)
        result = host.run("jobindsats")
        assert result.status == "failed"
        assert result.message == (
            "Jobindsats: forkert eller udløbet API-nøgle; sæt en ny i "
            "WORKBENCH__PLUGINS__JOBINDSATS__API_KEY ([plugins.jobindsats] api_key)"
        )
        assert KEY not in result.message
        after = host.con.execute("SELECT * FROM unemployment_stats ORDER BY ALL").fetchall()
        assert after == before
