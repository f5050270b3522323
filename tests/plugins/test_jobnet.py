"""The jobnet plugin against the real Jobnet search fixture served on 127.0.0.1."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pyproj import Transformer

from tests.plugins.fixture_server import FixtureServer, Reply
from workbench.core import cache
from workbench.core.config import Settings
from workbench.core.plugins.host import PluginHost, discover
from workbench.core.plugins.http import make_session
from workbench.plugins.jobnet.refresh import RateLimiter

PATH = "/CV/FindWork/Search"


@pytest.fixture(scope="module")
def page1(shared_fixtures: Path) -> dict[str, Any]:
    return json.loads(
        (shared_fixtures / "jobnet" / "findwork_search_page1.json").read_text("utf-8")
    )


def paged(page1: dict[str, Any], total: int = 45) -> Any:
    """Serve ``total`` postings in pages of 20: the fixture's, then copies with new IDs."""
    postings = page1["JobPositionPostings"]

    def handler(req: Any) -> Reply:
        offset = int(req.query.get("Offset", ["0"])[0])
        out = []
        for i in range(offset, min(total, offset + 20)):
            p = copy.deepcopy(postings[i % 20])
            if i >= 20:
                p["ID"] = f"{p['ID']}-{i}"
            out.append(p)
        body = dict(page1, JobPositionPostings=out, TotalResultCount=total)
        return Reply.json(body)

    return handler


def make_host(path: Path, url: str, **cfg: Any) -> PluginHost:
    settings = Settings(
        {
            "http": {"retries": 1, "backoff_s": 0.0},
            "plugins": {"jobnet": {"base_url": url + PATH, "requests_per_second": 0, **cfg}},
        },
        ["test"],
    )
    return PluginHost(
        path,
        settings,
        plugins=[p for p in discover() if p.id == "jobnet"],
        session_factory=lambda c: make_session(c, sleep=lambda s: None),
    )


def seed(path: Path) -> None:
    con = cache.connect(path)
    con.execute(
        "INSERT INTO occupations VALUES ('834410', 'Truckfører', NULL, ['gaffeltruckfører'], 4), "
        "('251200', 'Softwareudvikler', NULL, ['Programmør og systemudvikler'], 4)"
    )
    con.execute(
        "INSERT INTO municipalities (kode, navn) VALUES ('0101', 'København'), "
        "('0746', 'Skanderborg'), ('0573', 'Varde')"
    )
    con.close()


def test_pages_through_all_results(
    tmp_path: Path, fixture_server: FixtureServer, page1: dict[str, Any]
) -> None:
    fixture_server.route("GET", PATH, handler=paged(page1))
    path = tmp_path / "cache.duckdb"
    seed(path)
    with make_host(path, fixture_server.url) as host:
        result = host.run("jobnet")
    assert result.status == "ok", result.message
    offsets = [r.query["Offset"][0] for r in fixture_server.calls(PATH)]
    assert offsets == ["0", "20", "40"]
    con = cache.connect(path)
    assert con.execute("SELECT count(*) FROM job_postings").fetchone()[0] == 45
    row = con.execute(
        "SELECT cvr, occupation_code, occupation_title, title, posted, deadline, kommune_kode, "
        "x, y, employer_name, postnr, source FROM job_postings WHERE posting_id = '5332213'"
    ).fetchone()
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True).transform(
        12.5721, 55.7038
    )
    assert row[:7] == (
        "30806883",
        "251200",  # "Programmør og systemudvikler" is an alias
        "Programmør og systemudvikler",
        "Linux Specialist",
        date(2021, 7, 2),
        date(2021, 8, 27),
        "0101",
    )
    assert row[7] == pytest.approx(x) and row[8] == pytest.approx(y)
    assert row[9:] == ("Keepit A/S", "2100", "jobnet")
    # A title without an occupation entry keeps the title, no code.
    assert con.execute(
        "SELECT occupation_code, occupation_title FROM job_postings WHERE posting_id = '5303321'"
    ).fetchone() == (None, "Lager- og logistikmedarbejder")
    # Vejers Strand at longitude 5.24 is in the North Sea: kept, not placed, with the reason.
    assert con.execute(
        "SELECT x, placement_note, kommune_kode FROM job_postings WHERE title LIKE '%Vejers%' "
        "AND posting_id NOT LIKE '%-%'"
    ).fetchone() == (None, "ikke placeret: koordinater uden for Danmark", "0573")
    # Postings link to companies by CVR.
    assert con.execute(
        "SELECT count(DISTINCT cvr) FROM job_postings WHERE cvr = '30899695'"
    ).fetchone() == (1,)
    con.close()


def test_odd_postings_rejected_rest_loaded(
    tmp_path: Path, fixture_server: FixtureServer, page1: dict[str, Any]
) -> None:
    body = copy.deepcopy(page1)
    body["TotalResultCount"] = 20
    postings = body["JobPositionPostings"]
    postings[0]["ID"] = None
    postings[1]["PostingCreated"] = "i går"
    postings[2]["HiringOrgCVR"] = "ukendt"
    del postings[3]["Latitude"], postings[3]["Longitude"], postings[3]["Location"]
    fixture_server.route("GET", PATH, Reply.json(body))
    path = tmp_path / "cache.duckdb"
    with make_host(path, fixture_server.url) as host:
        assert host.run("jobnet").status == "ok"
    con = cache.connect(path)
    assert con.execute("SELECT count(*) FROM job_postings").fetchone()[0] == 17
    reasons = sorted(
        r[0] for r in con.execute("SELECT reason FROM job_postings_rejects").fetchall()
    )
    assert reasons == [
        "HiringOrgCVR: not a number: 'ukendt'",
        "ID missing",
        "PostingCreated: not a date: 'i går'",
    ]
    assert con.execute(
        "SELECT x, placement_note FROM job_postings WHERE posting_id = ?", [str(postings[3]["ID"])]
    ).fetchone() == (None, "ikke placeret: ingen koordinater")
    con.close()


def test_empty_result_and_upsert_keeps_old_postings(
    tmp_path: Path, fixture_server: FixtureServer, page1: dict[str, Any]
) -> None:
    fixture_server.route("GET", PATH, handler=paged(page1, total=20))
    path = tmp_path / "cache.duckdb"
    with make_host(path, fixture_server.url) as host:
        assert host.run("jobnet").status == "ok"
        fixture_server.route(
            "GET", PATH, Reply.json(dict(page1, JobPositionPostings=[], TotalResultCount=0))
        )
        assert host.run("jobnet").status == "ok"
    con = cache.connect(path)
    assert con.execute("SELECT count(*) FROM job_postings").fetchone()[0] == 20
    con.close()


def test_http_error_fails_and_keeps_previous(
    tmp_path: Path, fixture_server: FixtureServer, page1: dict[str, Any]
) -> None:
    fixture_server.route("GET", PATH, handler=paged(page1, total=20))
    path = tmp_path / "cache.duckdb"
    with make_host(path, fixture_server.url) as host:
        assert host.run("jobnet").status == "ok"
    fixture_server.route(
        "GET", PATH, [Reply.json(dict(page1, TotalResultCount=60)), Reply(status=500)]
    )
    with make_host(path, fixture_server.url) as host:
        result = host.run("jobnet")
    assert result.status == "failed"
    assert "500" in result.message
    con = cache.connect(path)
    assert con.execute("SELECT count(*) FROM job_postings").fetchone()[0] == 20
    con.close()


def test_rate_limiter_spaces_requests() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = RateLimiter(2.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        limiter.wait()
    assert slept == [0.5, 0.5]
    now[0] += 10
    limiter.wait()
    assert slept == [0.5, 0.5]
    unlimited = RateLimiter(0, clock=lambda: now[0], sleep=sleep)
    unlimited.wait()
    unlimited.wait()
    assert slept == [0.5, 0.5]
