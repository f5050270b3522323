"""statbank plugin: the recorded StatBank exchanges (STRAF42, JSON-stat and CSV) and a small
StatBank emulator for a municipal unemployment table, over local HTTP."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.fixture_server import FixtureServer, Reply, Request
from workbench.core.config import load_settings
from workbench.core.plugins.host import PluginHost, discover

STRAF42_CONFIG = """
tables = [{ id = "STRAF42", measure = "afgoerelser", area_variable = "", variables = { HERKOMST1 = ["00"], Tid = ["2023"] } }]
"""
AUL_CONFIG = """
periods = 2
tables = [{ id = "AULK01", measure = "fuldtidsledige", variables = { "KØN" = ["M", "K"] } }]
"""

AULK01_INFO = {
    "id": "AULK01",
    "text": "Fuldtidsledige",
    "unit": "Antal",
    "variables": [
        {"id": "OMRÅDE", "text": "område", "elimination": True, "time": False, "values": [
            {"id": "000", "text": "Hele landet"}, {"id": "084", "text": "Region Hovedstaden"},
            {"id": "101", "text": "København"}, {"id": "147", "text": "Frederiksberg"},
            {"id": "851", "text": "Aalborg"}]},
        {"id": "YDELSESTYPE", "text": "ydelsestype", "elimination": True, "time": False,
         "values": [{"id": "TOT", "text": "I alt"}, {"id": "LDP", "text": "Dagpenge"}]},
        {"id": "KØN", "text": "køn", "elimination": True, "time": False,
         "values": [{"id": "TOT", "text": "I alt"}, {"id": "M", "text": "Mænd"}, {"id": "K", "text": "Kvinder"}]},
        {"id": "Tid", "text": "tid", "elimination": False, "time": True,
         "values": [{"id": p, "text": p} for p in ("2024M01", "2024M02", "2024M03", "2024M04")]},
    ],
}  # fmt: skip


def _host(tmp_path: Path, server: FixtureServer, body: str, fmt: str = "jsonstat") -> PluginHost:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        "[http]\nretries = 2\nbackoff_s = 0\ntimeout_s = 1\nretry_after_max_s = 0\n\n"
        f'[plugins.statbank]\nbase_url = "{server.url}/v1"\nformat = "{fmt}"\n' + body,
        "utf-8",
    )
    plugins = [p for p in discover() if p.id == "statbank"]
    return PluginHost(tmp_path / "cache.duckdb", load_settings(cfg), plugins=plugins)


def _serve_straf42(server: FixtureServer, fixtures: Path) -> None:
    sb = fixtures / "statbank"
    server.route(
        "GET",
        "/v1/tableinfo",
        Reply.file(sb / "table_info_straf42_da.body.json", "text/json; charset=utf-8"),
    )

    def data(req: Request) -> Reply:
        body = req.json()
        asked = {v["code"].upper(): v["values"] for v in body["variables"]}
        if body["table"] != "STRAF42" or asked != {"HERKOMST1": ["00"], "TID": ["2023"]}:
            return Reply.json({"message": f"unexpected request {body}"}, status=400)
        if body["format"] == "CSV":
            return Reply.file(sb / "data_straf42_csv.body.csv", "text/csv; charset=utf-8")
        return Reply.file(sb / "data_straf42_json.body.json", "text/json; charset=utf-8")

    server.route("POST", "/v1/data", handler=data)


@pytest.mark.parametrize("fmt", ["jsonstat", "csv"])
def test_recorded_straf42_exchange(
    tmp_path: Path, fixture_server: FixtureServer, shared_fixtures: Path, fmt: str
):
    _serve_straf42(fixture_server, shared_fixtures)
    with _host(tmp_path, fixture_server, STRAF42_CONFIG, fmt) as host:
        result = host.run("statbank")
        assert result.ok, result.message
        rows = host.con.execute(
            "SELECT kommune_kode, period, measure, value, unit, source FROM unemployment_stats"
        ).fetchall()
        assert rows == [(None, "2023", "afgoerelser", 233454.0, "Antal", "statbank:STRAF42")]
        info_call = fixture_server.calls("/v1/tableinfo")[0]
        assert info_call.query == {"id": ["STRAF42"], "lang": ["da"], "format": ["JSON"]}
        assert fixture_server.calls("/v1/data")[0].json()["format"] == fmt.upper()


def _jsonstat(dims: list[tuple[str, list[str]]], values: list[Any]) -> dict[str, Any]:
    dimension = {
        name: {
            "label": name,
            "category": {
                "index": {c: i for i, c in enumerate(codes)},
                "label": {c: c for c in codes},
            },
        }
        for name, codes in dims
    }
    return {"dataset": {"dimension": {**dimension, "id": [d[0] for d in dims], "size": [len(d[1]) for d in dims]},
                        "label": "x", "source": "Statistics Denmark", "value": values}}  # fmt: skip


def _emulator(server: FixtureServer, infos: dict[str, Any] | None = None) -> None:
    """A StatBank that answers any valid /data request for the tables in ``infos`` (default
    AULK01; value = a running number; Frederiksberg's period 2024M04 is suppressed)."""
    infos = infos or {"AULK01": AULK01_INFO}
    server.route("GET", "/v1/tableinfo", handler=lambda req: Reply.json(infos[req.query["id"][0]])
                 if req.query["id"][0] in infos else
                 Reply.json({"errorTypeCode": "TABLE-NOT-FOUND", "message": f"Tabellen {req.query['id'][0]} findes ikke"}, 400))  # fmt: skip

    def data(req: Request) -> Reply:
        body = req.json()
        info = infos[body["table"]]
        order = [v["id"] for v in info["variables"]]
        asked = {v["code"]: v["values"] for v in body["variables"]}
        dims = [(name, asked[name]) for name in order if name in asked] + [
            ("ContentsCode", [body["table"]])
        ]
        values = []
        for n, combo in enumerate(itertools.product(*(codes for _, codes in dims))):
            cell = dict(zip([d[0] for d in dims], combo, strict=True))
            values.append(
                None if cell["OMRÅDE"] == "147" and cell["Tid"] == "2024M04" else 1000.5 + n
            )
        if body["format"] == "CSV":
            lines = [";".join(name.upper() for name, _ in dims[:-1]) + ";INDHOLD"]
            for combo, v in zip(itertools.product(*(c for _, c in dims[:-1])), values, strict=True):
                lines.append(
                    ";".join(combo) + ";" + (".." if v is None else str(v).replace(".", ","))
                )
            return Reply.text("\ufeff" + "\r\n".join(lines) + "\r\n", "text/csv; charset=utf-8")
        return Reply.json(_jsonstat(dims, values))

    server.route("POST", "/v1/data", handler=data)


@pytest.mark.parametrize("fmt", ["jsonstat", "csv"])
def test_municipal_table_latest_periods(tmp_path: Path, fixture_server: FixtureServer, fmt: str):
    _emulator(fixture_server)
    with _host(tmp_path, fixture_server, AUL_CONFIG, fmt) as host:
        host.con.execute(
            "INSERT INTO unemployment_stats VALUES ('0101', '2020QMAT02', 'Y30R21: x', 1, NULL, 'jobindsats:Y30R21')"
        )
        result = host.run("statbank")
        assert result.ok, result.message
        request = fixture_server.calls("/v1/data")[0].json()
        asked = {v["code"]: v["values"] for v in request["variables"]}
        assert asked == {
            "KØN": ["M", "K"],
            "OMRÅDE": ["101", "147", "851"],
            "Tid": ["2024M03", "2024M04"],
        }
        assert request["valuePresentation"] == "Code"
        rows = host.con.execute(
            "SELECT kommune_kode, period, measure, value FROM unemployment_stats WHERE source = 'statbank:AULK01' ORDER BY ALL"
        ).fetchall()
        assert len(rows) == 10 and result.rows_rejected == 2
        assert {r[0] for r in rows} == {"0101", "0147", "0851"}
        assert {r[2] for r in rows} == {"fuldtidsledige|KØN=M", "fuldtidsledige|KØN=K"}
        assert ("0101", "2024M03", "fuldtidsledige|KØN=M", 1000.5) in rows
        reject = host.con.execute("SELECT reason, raw FROM unemployment_stats_rejects").fetchone()
        assert (
            reject[0] == "værdi mangler (diskretioneret)"
            and json.loads(reject[1])["OMRÅDE"] == "147"
        )
        # jobindsats' rows in the same table are not statbank's to replace
        assert host.con.execute(
            "SELECT count(*) FROM unemployment_stats WHERE source LIKE 'jobindsats:%'"
        ).fetchone() == (1,)


@pytest.mark.parametrize(
    ("config", "data_replies", "message"),
    [
        (
            'tables = [{ id = "NOPE1" }]',
            None,
            "Statistikbanken svarede HTTP 400 for NOPE1: Tabellen NOPE1 findes ikke",
        ),
        (
            'tables = [{ id = "AULK01", variables = { ALDER = ["TOT"] } }]',
            None,
            "tabel AULK01 har ingen variabel ALDER",
        ),
        ('tables = [{ id = "AULK01", variables = { "KØN" = ["X"] } }]', None, "ukendte værdier X"),
        (
            AUL_CONFIG,
            [Reply.text("{broken", "text/json")],
            "ugyldigt JSON-svar fra Statistikbanken",
        ),
        (AUL_CONFIG, [Reply(status=503)], "Statistikbanken svarede HTTP 503"),
    ],
    ids=["unknown-table", "unknown-variable", "unknown-value", "malformed-json", "persistent-503"],
)
def test_faults_keep_previous_statistics(
    tmp_path: Path, fixture_server: FixtureServer, config, data_replies, message
):
    _emulator(fixture_server)
    with _host(tmp_path, fixture_server, AUL_CONFIG) as host:
        assert host.run("statbank").ok
        before = host.con.execute("SELECT * FROM unemployment_stats ORDER BY ALL").fetchall()
        if data_replies:
            fixture_server.route("POST", "/v1/data", data_replies)
        cfg = host.settings.data["plugins"]["statbank"]
        cfg.update(load_settings_fragment(config))
        result = host.run("statbank")
        assert result.status == "failed" and message in result.message, result.message
        assert (
            host.con.execute("SELECT * FROM unemployment_stats ORDER BY ALL").fetchall() == before
        )
        assert host.last_runs()["statbank"]["status"] == "failed"


def load_settings_fragment(toml: str) -> dict[str, Any]:
    import tomllib

    return tomllib.loads(toml)


def test_500_then_success(tmp_path: Path, fixture_server: FixtureServer):
    _emulator(fixture_server)
    ok_handler = fixture_server.routes[("POST", "/v1/data")].handler
    calls = []

    def flaky(req: Request) -> Reply:
        calls.append(req)
        return Reply(status=500) if len(calls) == 1 else ok_handler(req)

    fixture_server.route("POST", "/v1/data", handler=flaky)
    with _host(tmp_path, fixture_server, AUL_CONFIG) as host:
        result = host.run("statbank")
        assert result.ok and result.rows_written == 10 and len(calls) == 2


def _info(table: str, periods: list[str]) -> dict[str, Any]:
    """Table info shaped like AULK01's with other periods (the current tables' shapes)."""
    info = json.loads(json.dumps(AULK01_INFO))
    info["id"] = table
    info["variables"][-1]["values"] = [{"id": p, "text": p} for p in periods]
    return info


def test_default_tables_are_the_current_ones_and_quarters_read_in_both_spellings(
    tmp_path: Path, fixture_server: FixtureServer
):
    _emulator(
        fixture_server,
        {
            "AULK01": _info("AULK01", ["2024K3", "2024K4"]),
            "AUF01": _info("AUF01", ["2025M01", "2025M02"]),
            "AULK04": _info("AULK04", ["2024Q4", "2025Q1"]),  # as the English API writes them
        },
    )
    with _host(tmp_path, fixture_server, "periods = 2\n") as host:
        result = host.run("statbank")
        assert result.ok, result.message
        asked = [r.json() for r in fixture_server.calls("/v1/data")]
        assert [a["table"] for a in asked] == ["AULK01", "AUF01", "AULK04"]
        assert {a["valuePresentation"] for a in asked} == {"Code"}
        rows = host.con.execute(
            "SELECT source, measure, list(DISTINCT period ORDER BY period) FROM unemployment_stats "
            "GROUP BY ALL ORDER BY source"
        ).fetchall()
        assert rows == [
            ("statbank:AUF01", "fuldtidsledige, foreløbige (måned)", ["2025M01", "2025M02"]),
            ("statbank:AULK01", "fuldtidsledige", ["2024K3", "2024K4"]),
            ("statbank:AULK04", "langtidsledige", ["2024K4", "2025K1"]),
        ]


def test_auk01_is_never_labelled_unemployment(tmp_path: Path, fixture_server: FixtureServer):
    _emulator(fixture_server, {"AUK01": _info("AUK01", ["2024K4"])})
    with _host(tmp_path, fixture_server, 'tables = ["AUK01"]\n') as host:
        result = host.run("statbank")
        assert result.ok, result.message
        measures = host.con.execute("SELECT DISTINCT measure FROM unemployment_stats").fetchall()
        assert measures == [("offentligt forsørgede",)]
        host.settings.data["plugins"]["statbank"]["tables"] = [
            {"id": "AUK01", "measure": "fuldtidsledige"}
        ]
        result = host.run("statbank")
        assert result.status == "failed"
        assert result.message == (
            "[plugins.statbank] tables: AUK01 er offentligt forsørgede, ikke ledighed; "
            "ret measure 'fuldtidsledige'"
        )
        assert host.con.execute("SELECT DISTINCT measure FROM unemployment_stats").fetchall() == [
            ("offentligt forsørgede",)
        ]


def test_a_moved_api_names_the_setting(tmp_path: Path, fixture_server: FixtureServer):
    fixture_server.route("GET", "/v1/tableinfo", Reply.text("<html>Gone</html>", "text/html", 410))
    with _host(tmp_path, fixture_server, "") as host:
        result = host.run("statbank")
    assert result.status == "failed"
    assert result.message == (
        f"Statistikbanken på {fixture_server.url}/v1/tableinfo findes ikke længere (HTTP 410): "
        "kilden er flyttet? ret [plugins.statbank] base_url"
    )
