"""The addresses plugin: normalisation, register load and placement over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.plugins.fixture_server import FixtureServer, Reply
from workbench.core import cache
from workbench.core.config import Settings
from workbench.core.plugins.host import PluginHost, discover
from workbench.core.plugins.http import make_session
from workbench.plugins.addresses import normalize
from workbench.plugins.addresses.refresh import coordinates

SAMPLES = [
    ("Gl. Kongevej", "1 a", "1850"),
    ("Gammel Kongevej", "1A", "1850"),
    ("H.C. Andersens Blvd.", "12-14", "1553"),
    ("Åbenrå", "3", "6200"),
    ("AABENRAA", "3", "6200"),
    ("Skt. Clemens Torv", "5B", "8000"),
    ("Per Henrik Lings Allé", "4", "2100"),
    ("O'Briens Vej", "2", "900"),
    (None, "3", "1000"),
    ("Vej", "", "1000"),
]


@pytest.mark.parametrize(("street", "number", "postnr"), SAMPLES)
def test_python_and_sql_normalisation_agree(street: Any, number: Any, postnr: Any) -> None:
    con = duckdb.connect()
    sql = normalize.match_key_sql("s", "h", "p")
    got = con.execute(
        f"SELECT {sql} FROM (SELECT ?::VARCHAR s, ?::VARCHAR h, ?::VARCHAR p)",
        [street, number, normalize.postnr_key(postnr)],
    ).fetchone()[0]
    assert got == normalize.match_key(street, number, postnr)


def test_variants_share_a_key() -> None:
    k = normalize.match_key
    assert k("Gl. Kongevej", "1 a", "1850") == k("Gammel Kongevej", "1A", 1850)
    assert k("Åbenrå", "3", "6200") == k("Aabenraa", "3", "6200")
    assert k("H.C. Andersens Blvd.", "12", "1553") == k("HC Andersens Boulevard", "12", "1553")
    assert k("Gammel Kongevej", "1A", "1850") != k("Gammel Kongevej", "1B", "1850")
    assert k("Gammel Kongevej", "1", "900") == "gammelkongevej|1|0900"


def test_coordinates_from_detail_answers() -> None:
    assert coordinates({"etrs89koordinat_oest": 723500.5, "etrs89koordinat_nord": 6175200.0}) == (
        723500.5,
        6175200.0,
    )
    x, y = coordinates({"adgangspunkt": {"koordinater": [12.5721, 55.7038]}})
    assert 720_000 < x < 730_000 and 6_170_000 < y < 6_180_000
    assert coordinates({"id": "x"}) is None


# ------------------------------------------------------------------------------ refresh

REGISTER_CSV = (
    "\ufeffid;adgangsadresseid;vejnavn;husnr;postnr;kommunekode;"
    "etrs89koordinat_øst;etrs89koordinat_nord\r\n"
    "9a8d47a2-e252-4574-818f-8908e0a69011;h-1;Gærtorvet;3;1799;0101;723500.0;6175200.0\r\n"
    "a-2;h-2;Gammel Kongevej;1A;1850;0147;722000.0;6174000.0\r\n"
    "a-3;h-3;Bredgade;79;6830;0573;460000.0;6180000.0\r\n"
    "a-4;h-4;Ingen Koordinat;1;6830;0573;;\r\n"
)

COMPANIES = [
    # cvr, pnr, address, street, house_no, postnr, address_id
    (
        "1",
        "11",
        "Gærtorvet 3, 1799 København V",
        "Gærtorvet",
        "3",
        "1799",
        "9a8d47a2-e252-4574-818f-8908e0a69011",
    ),
    ("2", None, "Gl. Kongevej 1 A, 1850 Frederiksberg C", "Gl. Kongevej", "1 A", "1850", None),
    ("3", "33", "Nygade 7, 1799 København V", "Nygade", "7", "1799", None),
    ("4", "44", "Tvetydigvej 1, 1799 København V", "Tvetydigvej", "1", "1799", None),
    ("5", None, None, None, None, None, None),
    ("6", "66", "Bredgade 1, 9999 Intetsteds", "Bredgade", "1", "9999", None),
    ("7", "77", "Sted 2, 8000 Aarhus", "Sted", "2", "8000", None),
]


def seed(path: Path) -> None:
    con = cache.connect(path)
    for rid, (cvr, pnr, address, street, number, postnr, address_id) in enumerate(COMPANIES, 1):
        con.execute(
            "INSERT INTO companies (cvr, pnr, name, address, street, house_no, postnr, address_id, "
            "source, rid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'cvr', ?)",
            [cvr, pnr, f"Firma {cvr}", address, street, number, postnr, address_id, rid],
        )
    con.execute(
        "INSERT INTO companies (cvr, name, x, y, source, rid) "
        "VALUES ('8', 'Allerede placeret', 1.0, 2.0, 'cvr', 8)"
    )
    con.close()


def adressevaelger(server: FixtureServer) -> None:
    def soeg(req: Any) -> Reply:
        text = req.query["tekst"][0]
        if text.startswith("Nygade 7"):
            return Reply.json([{"id": "nyg-7", "adressebetegnelse": "Nygade 7, 1799 København V"}])
        if text.startswith("Tvetydigvej"):
            return Reply.json(
                [{"id": "t-1", "adressebetegnelse": "a"}, {"id": "t-2", "adressebetegnelse": "b"}]
            )
        if text.startswith("Sted"):
            return Reply(status=500)
        return Reply.json([])

    server.route("GET", "/adresser/soeg", handler=soeg)
    server.route(
        "GET",
        "/adresser/nyg-7",
        Reply.json({"id": "nyg-7", "adgangspunkt": {"koordinater": [12.5721, 55.7038]}}),
    )


def make_host(path: Path, cfg: dict[str, Any]) -> PluginHost:
    settings = Settings(
        {"http": {"retries": 1, "backoff_s": 0.0}, "plugins": {"addresses": cfg}}, ["test"]
    )
    return PluginHost(
        path,
        settings,
        plugins=[p for p in discover() if p.id == "addresses"],
        session_factory=lambda c: make_session(c, sleep=lambda s: None),
    )


def test_register_load_and_placement(tmp_path: Path, fixture_server: FixtureServer) -> None:
    fixture_server.route(
        "GET", "/dar/adresser.csv", Reply.text(REGISTER_CSV.encode("utf-8"), "text/csv")
    )
    adressevaelger(fixture_server)
    path = tmp_path / "cache.duckdb"
    seed(path)
    cfg = {
        "register_url": fixture_server.url + "/dar/adresser.csv",
        "base_url": fixture_server.url,
        "token": "tok-123",
        "batch_rows": 2,
    }
    with make_host(path, cfg) as host:
        result = host.run("addresses")
    assert result.status == "ok", result.message
    con = cache.connect(path)
    got = {
        r[0]: r[1:]
        for r in con.execute("SELECT cvr, x, y, placement_note, rid FROM companies").fetchall()
    }
    assert got["1"][:3] == (723500.0, 6175200.0, None)  # by CVR's DAR address id
    assert got["2"][:3] == (722000.0, 6174000.0, None)  # "Gl. Kongevej 1 A" = "Gammel Kongevej 1A"
    assert 720_000 < got["3"][0] < 730_000 and got["3"][2] is None  # Adressevælger, WGS84 -> UTM
    assert got["4"][:3] == (None, None, "ikke placeret: flere mulige adresser (2)")
    assert got["5"][:3] == (None, None, "ikke placeret: ingen adresse")
    assert got["6"][2] == "ikke placeret: postnummeret findes ikke i adresseregistret"
    assert got["7"][2].startswith("ikke placeret: adresseopslag fejlede")
    assert got["8"][:2] == (1.0, 2.0)
    # No row dropped, rids kept.
    assert {k: v[3] for k, v in got.items()} == {str(i): i for i in range(1, 9)}
    # The register row without coordinates went to the rejects; three were loaded.
    assert con.execute("SELECT count(*) FROM addresses").fetchone()[0] == 3
    assert con.execute("SELECT reason FROM addresses_rejects").fetchall() == [
        ("mangler koordinater",)
    ]
    con.close()
    assert fixture_server.calls("/adresser/soeg")[0].query["token"] == ["tok-123"]


def test_register_as_json_lines_with_wgs84(tmp_path: Path) -> None:
    lines = [
        {
            "id": "a-1",
            "vejnavn": "Gærtorvet",
            "husnr": "3",
            "postnr": "1799",
            "lon": 12.5721,
            "lat": 55.7038,
        },
        {
            "id": "a-2",
            "vejnavn": "Bredgade",
            "husnr": "79",
            "postnr": "6830",
            "lon": 8.2,
            "lat": 55.8,
        },
    ]
    register = tmp_path / "dar.ndjson"
    register.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines), "utf-8")
    path = tmp_path / "cache.duckdb"
    seed(path)
    with make_host(path, {"register_url": str(register)}) as host:
        assert host.run("addresses").status == "ok"
    con = cache.connect(path)
    x, y = con.execute("SELECT x, y FROM companies WHERE cvr = '1'").fetchone()
    assert 720_000 < x < 730_000 and 6_170_000 < y < 6_180_000
    con.close()


def test_register_download_error_keeps_previous(
    tmp_path: Path, fixture_server: FixtureServer
) -> None:
    fixture_server.route("GET", "/dar/adresser.csv", Reply(status=404))
    path = tmp_path / "cache.duckdb"
    seed(path)
    con = cache.connect(path)
    con.execute("INSERT INTO addresses (address_id, street, x, y) VALUES ('old', 'Gammel', 1, 2)")
    con.close()
    with make_host(path, {"register_url": fixture_server.url + "/dar/adresser.csv"}) as host:
        result = host.run("addresses")
    assert result.status == "failed" and "404" in result.message
    con = cache.connect(path)
    assert con.execute("SELECT address_id FROM addresses").fetchall() == [("old",)]
    assert con.execute(
        "SELECT count(*) FROM companies WHERE placement_note IS NOT NULL"
    ).fetchone() == (0,)
    con.close()
