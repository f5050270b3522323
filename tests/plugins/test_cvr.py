"""The cvr plugin against a local Elasticsearch stand-in serving the real CVR fixtures."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.fake_es import FakeElasticsearch, FakeElasticsearchServer
from tests.plugins.fixture_server import FixtureServer, Reply
from workbench.core import cache
from workbench.core.config import Settings
from workbench.core.plugins.host import PluginHost, discover
from workbench.core.plugins.http import make_session
from workbench.plugins.cvr import mapping

USER, PASSWORD = "wb-test", "s3cret-pw"


# ------------------------------------------------------------------------------ fixtures


def _sources(path: Path) -> list[dict[str, Any]]:
    return [h["_source"] for h in json.loads(path.read_text("utf-8"))["hits"]["hits"]]


@pytest.fixture(scope="module")
def visma(shared_fixtures: Path) -> dict[str, Any]:
    return _sources(shared_fixtures / "cvr" / "es_search_one_company.json")[0]


@pytest.fixture(scope="module")
def nebel(shared_fixtures: Path) -> dict[str, Any]:
    return _sources(shared_fixtures / "cvr" / "es_scroll_first_page.json")[0]


def unit_doc(
    pnr: int,
    cvr: int,
    *,
    street: str = "Gærtorvet",
    number: int = 3,
    postnr: int = 1799,
    kommune: int = 101,
    updated: str = "2021-10-04T15:05:24.000+02:00",
    ended: str | None = None,
    employees: int | None = 12,
) -> dict[str, Any]:
    """A production unit document shaped like CVR's ``VrproduktionsEnhed``."""
    period = {"gyldigFra": "2019-10-10", "gyldigTil": ended}
    return {
        "VrproduktionsEnhed": {
            "pNummer": pnr,
            "enhedstype": "PRODUKTIONSENHED",
            "reklamebeskyttet": None,
            "navne": [{"navn": f"Enhed {pnr}", "periode": period}],
            "beliggenhedsadresse": [
                {
                    "vejnavn": street,
                    "husnummerFra": number,
                    "bogstavFra": None,
                    "husnummerTil": None,
                    "etage": None,
                    "sidedoer": None,
                    "postnummer": postnr,
                    "postdistrikt": "København V",
                    "landekode": "DK",
                    "adresseId": None,
                    "kommune": {"kommuneKode": kommune},
                    "periode": period,
                }
            ],
            "hovedbranche": [
                {"branchekode": "829100", "branchetekst": "Inkasso", "periode": period}
            ],
            "virksomhedsrelation": [{"cvrNummer": cvr, "periode": period}],
            "livsforloeb": [{"periode": period}],
            "maanedsbeskaeftigelse": [
                {
                    "aar": 2021,
                    "maaned": 8,
                    "antalAnsatte": employees,
                    "intervalKodeAntalAnsatte": "ANTAL_10_19",
                }
            ],
            "kvartalsbeskaeftigelse": [
                {
                    "aar": 2021,
                    "kvartal": 2,
                    "antalAnsatte": 9,
                    "intervalKodeAntalAnsatte": "ANTAL_5_9",
                }
            ],
            "aarsbeskaeftigelse": [],
            "sidstOpdateret": updated,
        }
    }


def company_variant(base: dict[str, Any], cvr: int, name: str, **changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(base)
    v = doc["Vrvirksomhed"]
    v["cvrNummer"] = cvr
    v["navne"][-1]["navn"] = name
    v["virksomhedMetadata"]["nyesteNavn"]["navn"] = name
    v["penheder"] = []
    v.update(changes)
    return doc


@pytest.fixture
def es() -> Iterator[tuple[FakeElasticsearch, str]]:
    fake = FakeElasticsearch(username=USER, password=PASSWORD)
    with FakeElasticsearchServer(fake) as server:
        yield fake, server.url


def make_host(path: Path, url: str, sleeps: list[float] | None = None, **cfg: Any) -> PluginHost:
    settings = Settings(
        {
            "http": {"retries": 2, "backoff_s": 0.01},
            "plugins": {
                "cvr": {
                    "base_url": url,
                    "username": USER,
                    "password": PASSWORD,
                    "page_size": 2,
                    "batch_rows": 3,
                    **cfg,
                }
            },
        },
        ["test"],
    )
    recorder = sleeps if sleeps is not None else []
    return PluginHost(
        path,
        settings,
        plugins=[p for p in discover() if p.id == "cvr"],
        session_factory=lambda c: make_session(c, sleep=recorder.append),
    )


def rows(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = cache.connect(path)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# ------------------------------------------------------------------------------ mapping


def test_map_company_current_values_from_fixture(visma: dict[str, Any]) -> None:
    row, pnrs, history = mapping.map_company(visma)
    assert row["cvr"] == "40863753"
    assert row["name"] == "Visma Rating ApS"
    # Of three addresses only the last has gyldigTil null.
    assert row["address"] == "Gærtorvet 3, 1799 København V"
    assert (row["street"], row["house_no"], row["postnr"]) == ("Gærtorvet", "3", "1799")
    assert row["kommune_kode"] == "0101"
    assert row["address_id"] == "9a8d47a2-e252-4574-818f-8908e0a69011"
    assert (row["industry_code"], row["industry_text"]) == (
        "829100",
        "Inkassovirksomhed og kreditoplysning",
    )
    assert row["status"] == "Normal"
    assert row["started"] == date(2019, 10, 10)
    assert row["advertising_protected"] is False
    assert row["company_form"] == "Anpartsselskab"
    assert pnrs == ["1025137546"]
    old = [h for h in history if h[2] == "adresse" and h[5] is not None]
    assert next(h[3] for h in old) == "Vesterbrogade 1L, 6., 1620 København V"


def test_map_ceased_company_uses_latest_entries(nebel: dict[str, Any]) -> None:
    row, pnrs, _ = mapping.map_company(nebel)
    assert row["cvr"] == "29863997"
    assert row["name"] == "Nr. Nebel Salonskytteforening"
    assert row["kommune_kode"] == "0573"  # latest address, not the 2006 one in Blåbjerg (553)
    assert row["industry_code"] == "949900"
    assert row["status"] == "Ophørt"
    assert row["advertising_protected"] is True
    assert pnrs == []  # its only production unit ended


def test_employment_takes_latest_of_month_quarter_year() -> None:
    doc = unit_doc(1, 2)["VrproduktionsEnhed"]
    assert mapping.employment(doc) == (12, "10-19")  # August 2021 beats Q2 2021
    doc["aarsbeskaeftigelse"] = [
        {"aar": 2022, "antalAnsatte": None, "intervalKodeAntalAnsatte": "ANTAL_1000_999999"}
    ]
    assert mapping.employment(doc) == (None, "1000+")


def test_industry_system_from_the_period_of_hovedbranche(visma: dict[str, Any]) -> None:
    # CVR has no separate DB25 field: hovedbranche periods from 2025-01-01 hold DB25 codes.
    row, _, _ = mapping.map_company(visma)  # current period from 2019: DB07
    assert (row["industry_code"], row["industry_system"], row["industry_code_db25"]) == (
        "829100",
        "DB07",
        None,
    )
    doc = copy.deepcopy(visma)
    entries = doc["Vrvirksomhed"]["hovedbranche"]
    entries[0]["periode"]["gyldigTil"] = "2024-12-31"
    entries.append(
        {
            "branchekode": "82.91.10",
            "branchetekst": "Inkassovirksomhed",
            "periode": {"gyldigFra": "2025-01-01", "gyldigTil": None},
        }
    )
    row, _, history = mapping.map_company(doc)
    assert (row["industry_code"], row["industry_text"], row["industry_system"]) == (
        "829110",
        "Inkassovirksomhed",
        "DB25",
    )
    assert (row["industry_code_db25"], row["industry_text_db25"]) == ("829110", "Inkassovirksomhed")
    assert {h[3] for h in history if h[2] == "branche"} == {
        "829100 Inkassovirksomhed og kreditoplysning",
        "829110 Inkassovirksomhed",
    }
    # a ceased unit whose last period ended before 2025 keeps its DB07 code
    unit = unit_doc(1, 2)
    unit["VrproduktionsEnhed"]["hovedbranche"][0]["periode"] = {
        "gyldigFra": "2010-05-01",
        "gyldigTil": "2024-06-30",
    }
    unit_row, _ = mapping.map_unit(unit)
    assert (unit_row["industry_code"], unit_row["industry_system"]) == ("829100", "DB07")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"cvrNummer": None}, "cvrNummer missing"),
        ({"cvrNummer": "abc"}, "cvrNummer: not a number"),
        ({"beliggenhedsadresse": "Gærtorvet 3"}, "beliggenhedsadresse: expected a list"),
        ({"reklamebeskyttet": "måske"}, "reklamebeskyttet: not a boolean"),
    ],
)
def test_odd_documents_raise_with_reason(
    visma: dict[str, Any], change: dict[str, Any], reason: str
) -> None:
    doc = copy.deepcopy(visma)
    doc["Vrvirksomhed"].update(change)
    with pytest.raises(mapping.MappingError, match=reason):
        mapping.map_company(doc)


# ------------------------------------------------------------------------------ refresh


def test_full_load_pages_units_and_rejects(
    tmp_path: Path, es: tuple[FakeElasticsearch, str], visma: dict, nebel: dict
) -> None:
    fake, url = es
    broken = company_variant(visma, 0, "Broken")
    broken["Vrvirksomhed"]["cvrNummer"] = None
    lonely = company_variant(visma, 12345678, "Enkeltmand")
    fake.set_index("virksomhed", [visma, nebel, broken, lonely])
    fake.set_index(
        "produktionsenhed",
        [
            unit_doc(1025137546, 40863753),
            unit_doc(1999999999, 40863753, street="Vesterbrogade", number=1, postnr=1620),
            unit_doc(1888888888, 40863753, ended="2020-01-01", employees=None),
        ],
    )
    path = tmp_path / "cache.duckdb"
    with make_host(path, url) as host:
        result = host.run("cvr")
    assert result.status == "ok", result.message
    got = rows(
        path,
        "SELECT cvr, pnr, name, kommune_kode, status, employees, employees_band, company_form, "
        "advertising_protected, unit_kind FROM companies ORDER BY cvr, pnr",
    )
    by_key = {(r[0], r[1]): r for r in got}
    # Visma: three production units, no company-only row.
    assert sorted(k for k in by_key if k[0] == "40863753") == [
        ("40863753", "1025137546"),
        ("40863753", "1888888888"),
        ("40863753", "1999999999"),
    ]
    unit = by_key[("40863753", "1025137546")]
    assert unit[3] == "0101" and unit[4] == "Normal" and unit[5] == 12 and unit[6] == "10-19"
    assert unit[7] == "Anpartsselskab" and unit[8] is False and unit[9] == "produktionsenhed"
    assert by_key[("40863753", "1888888888")][4] == "Ophørt"
    # Companies whose production units are not available: one row from their own address.
    assert by_key[("29863997", None)][2:5] == ("Nr. Nebel Salonskytteforening", "0573", "Ophørt")
    assert by_key[("12345678", None)][9] == "virksomhed"
    assert len(got) == 5
    # The document without a CVR number is rejected with the reason; the rest loaded.
    rejects = rows(path, "SELECT reason FROM companies_rejects")
    assert rejects == [("virksomhed: cvrNummer missing",)]
    # Scrolled in pages of two, with credentials, and every scroll context cleared.
    assert len([r for r in fake.requests if r[1] == "/_search/scroll" and r[0] == "POST"]) >= 3
    assert fake.open_scrolls == 0
    # rid assigned, history kept, refresh logged.
    assert rows(path, "SELECT count(DISTINCT rid), count(*) FROM companies") == [(5, 5)]
    # every industry code carries its system (all periods here start before 2025: DB07)
    assert rows(path, "SELECT DISTINCT industry_system FROM companies") == [("DB07",)]
    hist = rows(
        path,
        "SELECT value, valid_to FROM company_history WHERE cvr = '40863753' AND pnr IS NULL "
        "AND field = 'adresse' ORDER BY valid_from",
    )
    assert hist[0] == ("Vesterbrogade 1L, 6., 1620 København V", date(2021, 5, 3))
    assert hist[-1][1] is None
    assert rows(path, "SELECT status FROM refresh_log WHERE plugin = 'cvr'") == [("ok",)]


def test_placement_from_address_register_and_not_placed_reason(
    tmp_path: Path, es: tuple[FakeElasticsearch, str], visma: dict, nebel: dict
) -> None:
    fake, url = es
    fake.set_index("virksomhed", [visma, nebel])
    fake.set_index("produktionsenhed", [])
    path = tmp_path / "cache.duckdb"
    con = cache.connect(path)
    con.execute(
        "INSERT INTO addresses (address_id, access_id, street, house_no, postnr, x, y) VALUES "
        "('9a8d47a2-e252-4574-818f-8908e0a69011', NULL, 'Gærtorvet', '3', '1799', 723500.0, 6175200.0)"
    )
    con.close()
    with make_host(path, url) as host:
        assert host.run("cvr").status == "ok"
    got = dict(
        (r[0], r[1:])
        for r in rows(path, "SELECT cvr, x, y, placement_note FROM companies ORDER BY cvr")
    )
    assert got["40863753"] == (723500.0, 6175200.0, None)
    assert got["29863997"][:2] == (None, None)
    assert got["29863997"][2].startswith("ikke placeret")


def test_incremental_reloads_changed_companies_only(
    tmp_path: Path, es: tuple[FakeElasticsearch, str], visma: dict, nebel: dict
) -> None:
    fake, url = es
    other = company_variant(
        visma, 11111111, "Gammel ApS", sidstOpdateret="2021-01-01T00:00:00.000+01:00"
    )
    fake.set_index("virksomhed", [visma, nebel, other])
    fake.set_index("produktionsenhed", [unit_doc(1025137546, 40863753)])
    path = tmp_path / "cache.duckdb"
    with make_host(path, url) as host:
        assert host.run("cvr").status == "ok"
    before = dict(rows(path, "SELECT cvr, rid FROM companies"))
    # Later: Visma's unit changes (new address), and a new company appears.
    renamed = unit_doc(
        1025137546, 40863753, street="Nygade", number=7, updated="2030-01-01T10:00:00.000+01:00"
    )
    new = company_variant(visma, 22222222, "Ny ApS", sidstOpdateret="2030-01-02T00:00:00.000+01:00")
    fake.set_index("virksomhed", [visma, nebel, other, new])
    fake.set_index("produktionsenhed", [renamed])
    fake.requests.clear()
    with make_host(path, url) as host:
        assert host.run("cvr").status == "ok"
    got = dict(rows(path, "SELECT cvr, address FROM companies"))
    assert got["40863753"].startswith("Nygade 7")
    assert got["22222222"] is not None
    assert set(got) == {"40863753", "29863997", "11111111", "22222222"}
    after = dict(rows(path, "SELECT cvr, rid FROM companies"))
    assert after["11111111"] == before["11111111"]  # untouched rows stay as they were
    searches = [r for r in fake.requests if r[1].endswith("/_search") and r[0] == "POST"]
    assert any("range" in json.dumps(r[2]["body"]) for r in searches)
    assert any("terms" in json.dumps(r[2]["body"]) for r in searches)


def test_expired_scroll_fails_cleanly_and_keeps_previous_data(
    tmp_path: Path, es: tuple[FakeElasticsearch, str], visma: dict, nebel: dict
) -> None:
    fake, url = es
    fake.set_index("virksomhed", [visma, nebel])
    fake.set_index("produktionsenhed", [])
    path = tmp_path / "cache.duckdb"
    with make_host(path, url) as host:
        assert host.run("cvr").status == "ok"
    many = [company_variant(visma, 30000000 + i, f"Firma {i}") for i in range(9)]
    fake.set_index("virksomhed", many)
    fake.expire_after_pages = 2
    with make_host(path, url, mode="full") as host:
        result = host.run("cvr")
    assert result.status == "failed"
    assert "search_context_missing_exception" in result.message
    assert sorted(r[0] for r in rows(path, "SELECT cvr FROM companies")) == ["29863997", "40863753"]
    assert rows(path, "SELECT status FROM refresh_log ORDER BY started") == [("ok",), ("failed",)]


def test_empty_result_keeps_previous_data(
    tmp_path: Path, es: tuple[FakeElasticsearch, str], visma: dict
) -> None:
    fake, url = es
    fake.set_index("virksomhed", [visma])
    fake.set_index("produktionsenhed", [])
    path = tmp_path / "cache.duckdb"
    with make_host(path, url) as host:
        assert host.run("cvr").status == "ok"
    fake.set_index("virksomhed", [])
    with make_host(path, url, mode="full") as host:
        result = host.run("cvr")
    assert result.status == "failed" and "ingen dokumenter" in result.message
    assert rows(path, "SELECT count(*) FROM companies") == [(1,)]


def test_incremental_without_changes_is_ok(
    tmp_path: Path, es: tuple[FakeElasticsearch, str], visma: dict
) -> None:
    fake, url = es
    fake.set_index("virksomhed", [visma])
    fake.set_index("produktionsenhed", [])
    path = tmp_path / "cache.duckdb"
    with make_host(path, url) as host:
        assert host.run("cvr").status == "ok"
        fake.set_index("virksomhed", [])
        result = host.run("cvr")
    assert result.status == "ok"
    assert rows(path, "SELECT count(*) FROM companies") == [(1,)]


def test_http_errors(tmp_path: Path, es: tuple[FakeElasticsearch, str], visma: dict) -> None:
    fake, url = es
    fake.set_index("virksomhed", [visma])
    fake.set_index("produktionsenhed", [])
    path = tmp_path / "cache.duckdb"
    sleeps: list[float] = []
    # A transient 503 is retried by the host's session; the load succeeds.
    fake.fail_next("search", 503, times=1)
    with make_host(path, url, sleeps=sleeps) as host:
        assert host.run("cvr").status == "ok"
    searches = [r for r in fake.requests if r[1] == "/cvr-permanent/virksomhed/_search"]
    assert len(searches) == 2  # the 503, then the retry
    # Wrong password: fails with a clear message that does not contain the password.
    with make_host(path, url, password="wrong-password", mode="full") as host:
        result = host.run("cvr")
    assert result.status == "failed" and "401" in result.message
    assert "wrong-password" not in result.message
    # A persistent 500 on a scroll page: failed, previous data kept.
    fake.fail_next("scroll", 500, times=10)
    fake.set_index("virksomhed", [visma, company_variant(visma, 33333333, "X"), visma])
    with make_host(path, url, mode="full") as host:
        result = host.run("cvr")
    assert result.status == "failed"
    assert rows(path, "SELECT cvr FROM companies") == [("40863753",)]


def test_cancel_between_pages_keeps_previous_data(
    tmp_path: Path, es: tuple[FakeElasticsearch, str], visma: dict
) -> None:
    fake, url = es
    fake.set_index("virksomhed", [company_variant(visma, 40000000 + i, f"F{i}") for i in range(6)])
    fake.set_index("produktionsenhed", [])
    path = tmp_path / "cache.duckdb"
    cancel = threading.Event()

    def on_progress(plugin: str, fraction: float | None, message: str) -> None:
        if "virksomheder" in message:
            cancel.set()  # the user presses "stop" after the first page

    with make_host(path, url) as host:
        result = host.run("cvr", on_progress=on_progress, cancel=cancel)
    assert result.status == "cancelled"
    assert rows(path, "SELECT count(*) FROM companies") == [(0,)]
    assert fake.open_scrolls == 0


def test_plugin_import_does_not_load_qt() -> None:
    code = (
        "import sys\n"
        "import workbench.plugins.cvr.refresh\n"
        "import workbench.plugins.addresses.refresh, workbench.plugins.jobnet.refresh\n"
        "import workbench.core.company_detail\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'PySide6 loaded'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_raw_fixture_responses_over_http(
    tmp_path: Path, fixture_server: FixtureServer, shared_fixtures: Path
) -> None:
    """The real response bodies, byte for byte: scroll envelope, hits.total, Basic auth."""
    cvr_dir = shared_fixtures / "cvr"
    fixture_server.route(
        "POST",
        "/cvr-permanent/virksomhed/_search",
        Reply.file(cvr_dir / "es_scroll_first_page.json", "application/json"),
    )
    fixture_server.route(
        "POST",
        "/cvr-permanent/produktionsenhed/_search",
        Reply.json({"hits": {"total": 0, "hits": []}}),
    )
    fixture_server.route(
        "POST",
        "/_search/scroll",
        Reply.json({"_scroll_id": "x", "hits": {"total": 1964821, "hits": []}}),
    )
    fixture_server.route("DELETE", "/_search/scroll", Reply.json({"succeeded": True}))
    messages: list[str] = []
    path = tmp_path / "cache.duckdb"
    with make_host(path, fixture_server.url) as host:
        result = host.run("cvr", on_progress=lambda p, f, m: messages.append(m))
    # The real first page announces 1,964,821 documents; the scroll then ends after one.
    # That is a load cut short, not a complete one: nothing is swapped in.
    assert result.status == "failed"
    assert "modtog 1 af 1964821" in result.message, result.message
    assert rows(path, "SELECT count(*) FROM companies") == [(0,)]
    assert any("1.964.821" in m for m in messages)
    search = fixture_server.calls("/cvr-permanent/virksomhed/_search")[0]
    assert search.query == {"scroll": ["5m"]}
    assert search.headers["Authorization"].startswith("Basic ")
    assert search.json()["query"] == {"match_all": {}}
    scroll = fixture_server.calls("/_search/scroll", "POST")[0].json()
    assert scroll["scroll"] == "5m" and scroll["scroll_id"].startswith("DnF1ZXJ5VGhlbkZldGNo")
    assert fixture_server.calls("/_search/scroll", "DELETE")


def test_size_history_keeps_the_last_figure_of_each_of_the_last_five_years(visma: dict) -> None:
    """Company details show the size over time (issue #16): one ``ansatte`` row a year."""
    doc = copy.deepcopy(visma)
    vrv = doc["Vrvirksomhed"]
    vrv["aarsbeskaeftigelse"] = [
        {"aar": y, "antalAnsatte": 10 + y - 2018, "intervalKodeAntalAnsatte": "ANTAL_10_19"}
        for y in range(2018, 2025)
    ]
    vrv["erstMaanedsbeskaeftigelse"] = [
        {"aar": 2025, "maaned": 3, "antalAnsatte": 30},
        {"aar": 2025, "maaned": 9, "antalAnsatte": None, "intervalKodeAntalAnsatte": "ANTAL_20_49"},
    ]
    _row, _pnrs, history = mapping.map_company(doc)
    sizes = [(h[3], h[4]) for h in history if h[2] == "ansatte"]
    assert sizes == [
        ("13", date(2021, 12, 1)),
        ("14", date(2022, 12, 1)),
        ("15", date(2023, 12, 1)),
        ("16", date(2024, 12, 1)),
        ("20-49", date(2025, 9, 1)),  # the latest figure of 2025 has only its band
    ]
