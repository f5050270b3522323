"""The jobnet plugin against a local server that answers like Jobnet's current search JSON
(``/bff/FindJob/Search``, ``/bff/FindJob/JobAdDetails/{id}``), built from the documented
samples in ../shared/fixtures/sources-2026/jobnet/."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.fixture_server import FixtureServer, Reply
from workbench.core import cache
from workbench.core.config import Settings
from workbench.core.plugins.host import PluginHost, discover
from workbench.core.plugins.http import make_session
from workbench.plugins.jobnet.placement import split_street
from workbench.plugins.jobnet.refresh import RateLimiter, search_host

SEARCH = "/bff/FindJob/Search"
DETAILS = "/bff/FindJob/JobAdDetails/"
URI = "http://data.star.dk/esco/occupation/426e017f-ebe5-4bea-b1eb-7d2d5ab3c6db"


@pytest.fixture(scope="module")
def samples(shared_fixtures: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    folder = shared_fixtures / "sources-2026" / "jobnet"
    item = json.loads((folder / "bff_search_jobad_item_documented.json").read_text("utf-8"))
    details = json.loads((folder / "bff_jobaddetails_documented_redacted.json").read_text("utf-8"))
    return item, details


class FakeJobnet:
    """Jobnet's search over ``ads`` (1-based pages) and details by id; pages listed in
    ``broken`` answer ``broken[page]`` instead (e.g. ``{}``)."""

    def __init__(self, server: FixtureServer, ads: list[dict[str, Any]]):
        self.server = server
        self.ads = ads
        self.details: dict[str, dict[str, Any]] = {}
        self.broken: dict[int, Any] = {}
        self.total: int | None = None
        server.route("GET", SEARCH, handler=self.search)
        server.route("GET", DETAILS + "*", handler=self.detail)

    def search(self, req: Any) -> Reply:
        if req.headers.get("x-csrf") != "1":
            return Reply(status=400)
        size = int(req.query["resultsPerPage"][0])
        page = int(req.query["pageNumber"][0])
        if page in self.broken:
            return Reply.json(self.broken[page])
        chunk = self.ads[(page - 1) * size : page * size]
        total = len(self.ads) if self.total is None else self.total
        return Reply.json({"jobAds": chunk, "totalJobAdCount": total})

    def detail(self, req: Any) -> Reply:
        posting_id = req.path.rsplit("/", 1)[-1]
        if posting_id not in self.details:
            return Reply.json({"title": "Not found"}, status=404)
        return Reply.json(self.details[posting_id])


def make_ads(item: dict[str, Any], n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        ad = copy.deepcopy(item)
        ad["jobAdId"] = f"{item['jobAdId'][:-4]}{i:04d}"
        out.append(ad)
    return out


def make_host(path: Path, url: str, **cfg: Any) -> PluginHost:
    settings = Settings(
        {
            "http": {"retries": 1, "backoff_s": 0.0},
            "plugins": {
                "jobnet": {
                    "base_url": url,
                    "requests_per_second": 0,
                    "results_per_page": 20,
                    **cfg,
                }
            },
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
        "INSERT INTO occupations VALUES ('242320', 'Personalekonsulent', NULL, [?], 5), "
        "('834410', 'Truckfører', NULL, ['Gaffeltruckfører'], 5)",
        [URI],
    )
    con.execute(
        "INSERT INTO municipalities (kode, navn) VALUES ('0791', 'Viborg'), ('0101', 'København')"
    )
    con.close()


def run(path: Path, url: str, **cfg: Any) -> Any:
    with make_host(path, url, **cfg) as host:
        return host.run("jobnet")


def test_pages_until_the_announced_count_with_the_sites_headers(
    tmp_path: Path, fixture_server: FixtureServer, samples: Any
) -> None:
    item, _ = samples
    fake = FakeJobnet(fixture_server, make_ads(item, 45))
    path = tmp_path / "cache.duckdb"
    seed(path)
    result = run(path, fixture_server.url, details=False)
    assert result.status == "ok", result.message
    assert "modtaget 45 af 45 annoncerede opslag" in result.message
    calls = fixture_server.calls(SEARCH)
    assert [c.query["pageNumber"] for c in calls] == [["1"], ["2"], ["3"]]
    assert all(c.headers["x-csrf"] == "1" for c in calls)
    assert all(c.query["resultsPerPage"] == ["20"] for c in calls)
    con = cache.connect(path)
    rows = con.execute(
        "SELECT posting_id, cvr, occupation_code, title, posted, deadline, kommune_kode, "
        "postnr, employer_name, occupation_title FROM job_postings ORDER BY posting_id"
    ).fetchall()
    assert len(rows) == 45
    assert rows[0] == (
        fake.ads[0]["jobAdId"],
        "29190925",
        "242320",  # conceptUriDa -> DISCO-08 through the taxonomy
        "Akademisk medarbejder med interesse for arbejdsmiljø og uddannelse",
        date(2026, 3, 13),
        date(2026, 4, 5),
        "0791",
        "8800",
        "Region Midtjylland",
        "Personalekonsulent",
    )
    log = con.execute("SELECT status, message FROM refresh_log").fetchone()
    assert log[0] == "ok" and "modtaget 45 af 45" in log[1]
    con.close()


@pytest.mark.parametrize(
    "page2", [{}, {"jobAds": [], "totalJobAdCount": 60}], ids=["empty-object", "empty-page"]
)
def test_a_run_that_cannot_prove_it_got_everything_fails_and_keeps_the_old_postings(
    tmp_path: Path, fixture_server: FixtureServer, samples: Any, page2: Any
) -> None:
    """#12: page 2 answered ``{}`` and the run said ok (job_postings: 20) of 60."""
    item, _ = samples
    path = tmp_path / "cache.duckdb"
    seed(path)
    fake = FakeJobnet(fixture_server, make_ads(item, 5))
    assert run(path, fixture_server.url, details=False).ok
    fake.ads = [dict(a, jobAdId=f"new-{i}") for i, a in enumerate(make_ads(item, 60))]
    fake.broken[2] = page2
    result = run(path, fixture_server.url, details=False)
    assert result.status == "failed"
    assert "modtaget 20 af 60 annoncerede opslag" in result.message
    con = cache.connect(path)
    ids = {r[0] for r in con.execute("SELECT posting_id FROM job_postings").fetchall()}
    assert ids == {a["jobAdId"] for a in make_ads(item, 5)}
    assert con.execute(
        "SELECT status, message FROM refresh_log ORDER BY started DESC LIMIT 1"
    ).fetchone() == ("failed", result.message)
    con.close()


def _seed_places(path: Path) -> None:
    con = cache.connect(path)
    con.execute(
        "INSERT INTO addresses (address_id, street, house_no, postnr, kommune_kode, match_key, "
        "x, y, source) VALUES "
        "('a1', 'Heibergs Allé', '5A', '8800', '0791', 'heibergsalle|5A|8800', 527000, 6254000, 'dar'), "
        "('a2', 'Gammel Vej', '1', '8800', '0791', 'gammelvej|1|8800', 529000, 6256000, 'dar')"
    )
    con.execute(
        "INSERT INTO companies (cvr, pnr, name, x, y, unit_kind, source, rid) VALUES "
        "('11111111', '1000000001', 'P-enheden', 540000, 6200000, 'produktionsenhed', 'cvr', 1), "
        "('22222222', '1000000009', 'Filialen', 600000, 6100000, 'produktionsenhed', 'cvr', 2), "
        "('22222222', NULL, 'Hovedsædet', 610000, 6110000, 'virksomhed', 'cvr', 3)"
    )
    con.close()


def test_postings_are_placed_by_address_unit_company_or_postcode_and_the_rest_listed(
    tmp_path: Path, fixture_server: FixtureServer, samples: Any
) -> None:
    item, detail = samples
    ads = make_ads(item, 5)
    fake = FakeJobnet(fixture_server, ads)
    ids = [a["jobAdId"] for a in ads]
    # 0: the workplace address is in the register
    fake.details[ids[0]] = detail
    # 1: an address the register lacks, but the P-unit is known
    d1 = copy.deepcopy(detail)
    d1["employer"].update(cvrNumber="11111111", pNumber="1000000001")
    d1["job"]["address"]["streetName"] = "Ukendt Vej 99"
    fake.details[ids[1]] = d1
    ads[1]["cvr"] = "11111111"
    # 2: withdrawn (details 404): the company's own unit
    ads[2]["cvr"] = "22222222"
    # 3: an unknown company: the postal code's centre
    ads[3]["cvr"] = "33333333"
    # 4: nothing known at all: kept, not placed, listed in the log
    ads[4].update(cvr="44444444", postalCode=9999, municipality="")
    path = tmp_path / "cache.duckdb"
    seed(path)
    _seed_places(path)
    result = run(path, fixture_server.url)
    assert result.ok, result.message
    assert f"ikke placeret: 1 ({ids[4]})" in result.message
    con = cache.connect(path)
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT posting_id, placement, x, y, pnr, kommune_kode, placement_note "
            "FROM job_postings"
        ).fetchall()
    }
    assert rows[ids[0]] == ("address", 527000.0, 6254000.0, "1003367314", "0791", None)
    assert rows[ids[1]][:4] == ("production_unit", 540000.0, 6200000.0, "1000000001")
    assert rows[ids[2]][:4] == ("company", 610000.0, 6110000.0, None)
    assert rows[ids[3]][:3] == ("postal_code", 528000.0, 6255000.0)
    assert rows[ids[4]][:3] == (None, None, None)
    assert rows[ids[4]][5].startswith("ikke placeret")
    con.close()
    assert len(fixture_server.calls(DETAILS + ids[0])) == 1
    # A second run does not ask again for postings whose details it has (P-number known).
    assert run(path, fixture_server.url).ok
    assert len(fixture_server.calls(DETAILS + ids[0])) == 1
    assert len(fixture_server.calls(DETAILS + ids[2])) == 2  # no P-number yet: asked again
    con = cache.connect(path)
    assert con.execute(
        "SELECT placement, x FROM job_postings WHERE posting_id = ?", [ids[0]]
    ).fetchone() == ("address", 527000.0)
    con.close()


def test_odd_postings_rejected_rest_loaded(
    tmp_path: Path, fixture_server: FixtureServer, samples: Any
) -> None:
    item, _ = samples
    ads = make_ads(item, 4)
    ads[0]["jobAdId"] = None
    ads[1]["publicationDate"] = "i går"
    ads[2]["cvr"] = "ukendt"
    FakeJobnet(fixture_server, ads)
    path = tmp_path / "cache.duckdb"
    seed(path)
    result = run(path, fixture_server.url, details=False)
    assert result.ok, result.message
    con = cache.connect(path)
    assert con.execute("SELECT count(*) FROM job_postings").fetchone()[0] == 1
    reasons = sorted(
        r[0] for r in con.execute("SELECT reason FROM job_postings_rejects").fetchall()
    )
    assert reasons == [
        "cvr: not a number: 'ukendt'",
        "jobAdId missing",
        "publicationDate: not a date: 'i går'",
    ]
    con.close()


def test_the_old_findwork_address_is_understood_and_named_in_the_log(
    tmp_path: Path, fixture_server: FixtureServer, samples: Any
) -> None:
    item, _ = samples
    FakeJobnet(fixture_server, make_ads(item, 3))
    path = tmp_path / "cache.duckdb"
    result = run(path, fixture_server.url + "/CV/FindWork/Search", details=False)
    assert result.ok, result.message
    assert "forstået som " + fixture_server.url in result.message
    assert search_host("https://job.jobnet.dk/CV/FindWork/Search") == "https://jobnet.dk"
    assert search_host("https://jobnet.dk/bff/FindJob/Search") == "https://jobnet.dk"
    assert search_host("http://proxy.kommune.dk/jobnet/") == "http://proxy.kommune.dk/jobnet"


def test_a_moved_search_says_which_setting_to_change_and_keeps_the_old_postings(
    tmp_path: Path, fixture_server: FixtureServer, samples: Any
) -> None:
    item, _ = samples
    path = tmp_path / "cache.duckdb"
    FakeJobnet(fixture_server, make_ads(item, 2))
    assert run(path, fixture_server.url, details=False).ok
    fixture_server.route("GET", SEARCH, Reply(status=410))
    result = run(path, fixture_server.url, details=False)
    assert result.status == "failed"
    assert result.message == (
        f"Jobnet på {fixture_server.url}{SEARCH} findes ikke længere (HTTP 410): "
        "kilden er flyttet? ret [plugins.jobnet] base_url"
    )
    con = cache.connect(path)
    assert con.execute("SELECT count(*) FROM job_postings").fetchone()[0] == 2
    con.close()


def test_split_street() -> None:
    assert split_street("Heibergs Alle 5A") == ("Heibergs Alle", "5A")
    assert split_street("Vestergade 12, 1. th") == ("Vestergade", "12")
    assert split_street("Gl. Kongevej 3 B") == ("Gl. Kongevej", "3B")
    assert split_street("") is None
    assert split_street("Havnen") is None


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


def test_the_cli_says_in_one_line_what_was_received_against_announced(
    tmp_path: Path, fixture_server: FixtureServer, samples: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from workbench.cli import main

    item, _ = samples
    fake = FakeJobnet(fixture_server, make_ads(item, 60))
    fake.broken[2] = {}
    config = tmp_path / "config.toml"
    config.write_text(
        "[http]\nretries = 1\nbackoff_s = 0\n\n"
        f'[plugins.jobnet]\nbase_url = "{fixture_server.url}"\nrequests_per_second = 0\n'
        "results_per_page = 20\ndetails = false\n",
        "utf-8",
    )
    cache_path = str(tmp_path / "c.duckdb")
    code = main(["refresh", "jobnet", "--cache", cache_path, "--config", str(config)])
    err = capsys.readouterr().err
    assert code == 1
    failures = [line for line in err.splitlines() if line.startswith("workbench refresh: ")]
    assert failures == [
        "workbench refresh: jobnet: failed: Jobnet: side 2 mangler jobAds/totalJobAdCount; "
        "modtaget 20 af 60 annoncerede opslag; de hidtidige opslag er bevaret"
    ]


def test_an_address_the_register_lacks_is_placed_with_adressevaelger(
    tmp_path: Path, fixture_server: FixtureServer, samples: Any, shared_fixtures: Path
) -> None:
    captured = json.loads(
        (shared_fixtures / "sources-2026" / "adressevaelger" / "dar-responses.json").read_text(
            "utf-8"
        )
    )
    text = "Århusgade 1, 2100 København Ø"

    def search(req: Any) -> Reply:
        if req.query.get("tekst") != [text] or req.query.get("token") != ["av-token"]:
            return Reply.json({"status": "ok", "beskrivelse": "", "fund": []})
        return Reply.json(captured["searches"][text])

    fixture_server.route("GET", "/av/adresser/soeg", handler=search)
    fixture_server.route("GET", "/av/adresser/*", Reply.json(captured["address"]["response"]))
    item, detail = samples
    ads = make_ads(item, 2)
    fake = FakeJobnet(fixture_server, ads)
    d0 = copy.deepcopy(detail)
    d0["job"]["address"].update(streetName="Århusgade 1", postalCode="2100", city="København Ø")
    fake.details[ads[0]["jobAdId"]] = d0
    ads[1].update(cvr="", postalCode=9999)  # no address: Adressevælger is not asked
    path = tmp_path / "cache.duckdb"
    result = run(
        path,
        fixture_server.url,
        adressevaelger_url=fixture_server.url + "/av",
        adressevaelger_token="av-token",
    )
    assert result.ok, result.message
    con = cache.connect(path)
    assert con.execute(
        "SELECT placement, x, y FROM job_postings WHERE posting_id = ?", [ads[0]["jobAdId"]]
    ).fetchone() == ("address", 724802.02, 6179167.92)
    con.close()
    assert len(fixture_server.calls("/av/adresser/soeg")) == 1
