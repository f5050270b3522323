"""Adressevælger: the client against the captured responses, and the plugin placing
companies the register lacks with it (real HTTP on a local server)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.plugins.adressevaelger_service import (
    CAPTURED_ID,
    CAPTURED_POINT,
    TOKEN,
    serve_adressevaelger,
)
from tests.plugins.fixture_server import FixtureServer, Reply
from tests.plugins.test_addresses import make_host
from workbench.core import cache
from workbench.core.plugins.http import make_session
from workbench.plugins.addresses.adressevaelger import (
    Adressevaelger,
    AdressevaelgerError,
    choose,
    hits,
    point,
    title_key,
)
from workbench.plugins.addresses.normalize import match_key

ARHUSGADE_1 = "Århusgade 1, 2100 København Ø"


def client(server: FixtureServer, token: str = TOKEN) -> Adressevaelger:
    return Adressevaelger(make_session({"retries": 0}), server.url + "/", token)


def test_search_reads_the_captured_fund_lists(
    fixture_server: FixtureServer, shared_fixtures: Path
) -> None:
    serve_adressevaelger(fixture_server, shared_fixtures)
    avl = client(fixture_server)
    roads = avl.search("Århusgade")
    assert [(h.kind, h.title) for h in roads] == [
        ("navngivenvejpostnummer", "Århusgade 2100 København Ø"),
        ("navngivenvejpostnummer", "Århusgade 2150 Nordhavn"),
        ("navngivenvejpostnummer", "Århusgade 9900 Frederikshavn"),
    ]
    units = avl.search(ARHUSGADE_1)
    assert len(units) == 9 and {h.kind for h in units} == {"adresse"}
    assert {h.house_id for h in units} == {"0a3f507b-37d7-32b8-e044-0003ba298018"}
    assert {h.key for h in units} == {"aarhusgade|1|2100"}
    assert avl.search("Intetsteds 99, 9999 Ingen") == []
    # The token goes as the query parameter ``token``; ``tekst`` is URL-encoded.
    request = fixture_server.calls("/adresser/soeg")[0]
    assert request.query == {"tekst": ["Århusgade"], "token": [TOKEN]}


def test_detail_gives_the_access_point_in_25832(
    fixture_server: FixtureServer, shared_fixtures: Path
) -> None:
    serve_adressevaelger(fixture_server, shared_fixtures)
    body = client(fixture_server).address(CAPTURED_ID)
    assert body["adresse"]["adressebetegnelse"] == "Århusgade 1, st. tv, 2100 København Ø"
    assert point(body) == CAPTURED_POINT
    # Only the GeoJSON geometry (EPSG:25832) without the koordinater pair works too.
    access = body["adresse"]["husnummer"]["adgangspunkt"]
    del access["koordinater"]
    assert point(body) == CAPTURED_POINT
    access["geometri"]["crs"]["properties"]["name"] = "EPSG:4326"
    assert point(body) is None


def test_place_picks_the_house_of_the_key_and_reads_its_point(
    fixture_server: FixtureServer, shared_fixtures: Path
) -> None:
    serve_adressevaelger(fixture_server, shared_fixtures)
    xy, reason = client(fixture_server).place(ARHUSGADE_1, match_key("Århusgade", "1", "2100"))
    assert (xy, reason) == (CAPTURED_POINT, "")
    # The house number's own address first; it was not captured (404), its unit was.
    details = [r.path for r in fixture_server.requests if r.path != "/adresser/soeg"]
    assert details == [
        "/adresser/fd30278a-9eb8-42bf-bd82-91308706980d",
        f"/adresser/{CAPTURED_ID}",
    ]


def test_wrong_token_is_an_error_not_a_miss(
    fixture_server: FixtureServer, shared_fixtures: Path
) -> None:
    serve_adressevaelger(fixture_server, shared_fixtures)
    with pytest.raises(AdressevaelgerError, match="HTTP 401"):
        client(fixture_server, token="wrong").search(ARHUSGADE_1)


def test_choose_and_title_keys() -> None:
    assert title_key("Århusgade 1, st. tv, 2100 København Ø") == "aarhusgade|1|2100"
    assert title_key("Gl. Kongevej 12B, 1850 Frederiksberg C") == "gammelkongevej|12B|1850"
    assert title_key("Århusgade 2100 København Ø") is None  # a road, no number
    two_houses = hits(
        {
            "fund": [
                {"type": "adresse", "id": "a", "titel": "Vej 1, 1000 By", "husnummerId": "h1"},
                {"type": "adresse", "id": "b", "titel": "Vej 1, 1000 By", "husnummerId": "h2"},
            ]
        }
    )
    assert choose(two_houses, "vej|1|1000") == ([], "flere mulige adresser (2)")
    assert choose(two_houses, "vej|2|1000")[1] == "flere mulige adresser (2)"
    road = hits({"fund": [{"type": "vejnavn", "titel": "Vej", "vejNavn": "Vej"}]})
    assert choose(road, "vej|1|1000") == ([], "adressen findes ikke i adresseregistret")


def test_cleaning_is_asked_when_the_search_finds_nothing(
    fixture_server: FixtureServer, shared_fixtures: Path
) -> None:
    """``/vask/`` was not recorded: its answer here is read as the search's ``fund``."""
    serve_adressevaelger(fixture_server, shared_fixtures)
    cleaned = {
        "status": "ok",
        "fund": [
            {
                "type": "adresse",
                "id": CAPTURED_ID,
                "titel": "Århusgade 1, st. tv, 2100 København Ø",
                "husnummerId": "0a3f507b-37d7-32b8-e044-0003ba298018",
            }
        ],
    }
    fixture_server.route("GET", "/vask/", Reply.json(cleaned))
    xy, _ = client(fixture_server).place("Aarhusgade 1 st tv 2100 Kbh Ø", "aarhusgade|1|2100")
    assert xy == CAPTURED_POINT
    assert fixture_server.calls("/vask/")[0].query["adresse"] == ["Aarhusgade 1 st tv 2100 Kbh Ø"]


# ------------------------------------------------------------------------------ the plugin


def seed_companies(path: Path, rows: list[tuple[str, str, str, str, str]]) -> None:
    con = cache.connect(path)
    for rid, (cvr, address, street, number, postnr) in enumerate(rows, 1):
        con.execute(
            "INSERT INTO companies (cvr, name, address, street, house_no, postnr, source, rid) "
            "VALUES (?, ?, ?, ?, ?, ?, 'cvr', ?)",
            [cvr, f"Firma {cvr}", address, street, number, postnr, rid],
        )
    con.close()


def run_plugin(tmp_path: Path, server: FixtureServer, token: str) -> dict[str, Any]:
    path = tmp_path / "cache.duckdb"
    seed_companies(
        path,
        [
            ("1", ARHUSGADE_1, "Århusgade", "1", "2100"),
            ("2", "Intetsteds 99, 9999 Ingen", "Intetsteds", "99", "9999"),
        ],
    )
    with make_host(path, {"base_url": server.url, "token": token}) as host:
        result = host.run("addresses")
    assert result.status == "ok", result.message
    con = cache.connect(path)
    try:
        rows = con.execute("SELECT cvr, x, y, placement_note FROM companies ORDER BY cvr")
        return {r[0]: r[1:] for r in rows.fetchall()}
    finally:
        con.close()


def test_plugin_places_what_the_register_lacks_with_adressevaelger(
    tmp_path: Path, fixture_server: FixtureServer, shared_fixtures: Path
) -> None:
    serve_adressevaelger(fixture_server, shared_fixtures)
    got = run_plugin(tmp_path, fixture_server, TOKEN)
    assert got["1"] == (*CAPTURED_POINT, None)
    assert got["2"] == (None, None, "ikke placeret: postnummeret findes ikke i adresseregistret")


def test_plugin_with_a_wrong_token_says_so_per_company(
    tmp_path: Path, fixture_server: FixtureServer, shared_fixtures: Path
) -> None:
    serve_adressevaelger(fixture_server, shared_fixtures)
    got = run_plugin(tmp_path, fixture_server, "wrong")
    assert got["1"] == (None, None, "ikke placeret: adresseopslag fejlede (HTTP 401)")
