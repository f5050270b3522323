"""CVR refreshes that must fail and keep the previous data instead of reporting a short load
as ok (issue #12): answers without hits, lost scroll answers, scrolls that never end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.hashes import table_hashes
from tests.plugins.fake_es import FakeElasticsearch, FakeElasticsearchServer, synthetic_stream
from tests.plugins.test_cvr import PASSWORD, USER, make_host, rows

N = 600  # companies; with page_size 100 a full load is a search and five scroll pages
# An endless scroll gives up after this many requests in the fake (so a regression fails the
# test instead of hanging it): the plugin must stop long before.
ENDLESS = 50
END = b'{"_scroll_id":"end","hits":{"total":600,"hits":[]}}'


@pytest.fixture
def loaded(tmp_path: Path) -> Iterator[tuple[FakeElasticsearch, str, Path]]:
    """A fake CVR with N companies and a cache holding a complete first load of them."""
    fake = FakeElasticsearch(username=USER, password=PASSWORD)
    fake.set_index("virksomhed", lambda: synthetic_stream(N))
    fake.set_index("produktionsenhed", [])
    path = tmp_path / "cache.duckdb"
    with FakeElasticsearchServer(fake) as server:
        with make_host(path, server.url, page_size=100, batch_rows=1000) as host:
            first = host.run("cvr")
        assert first.status == "ok", first.message
        assert rows(path, "SELECT count(*) FROM companies") == [(N,)]
        fake.requests.clear()
        fake.scroll_calls = 0
        yield fake, server.url, path


def _full_run(url: str, path: Path, **cfg: Any):
    with make_host(path, url, page_size=100, batch_rows=1000, mode="full", **cfg) as host:
        return host.run("cvr")


def _scroll_posts(fake: FakeElasticsearch) -> int:
    return len([r for r in fake.requests if r[0] == "POST" and r[1] == "/_search/scroll"])


@pytest.mark.parametrize(
    "answer",
    [{}, {"error": {"type": "es_rejected_execution_exception", "reason": "queue full"}}],
    ids=["empty-object", "error-object"],
)
def test_an_answer_without_hits_fails_the_load(
    loaded: tuple[FakeElasticsearch, str, Path], answer: dict[str, Any]
) -> None:
    fake, url, path = loaded
    before = table_hashes(path)
    fake.scroll_hook = lambda n, status, body: (
        (200, json.dumps(answer).encode()) if n == 2 else None
    )
    result = _full_run(url, path)
    assert result.status == "failed"
    assert "har ingen hits" in result.message and "\n" not in result.message
    if answer:
        assert "es_rejected_execution_exception" in result.message
    assert table_hashes(path) == before  # still the N companies of the first load
    assert fake.open_scrolls == 0


def test_a_scroll_that_ends_early_fails_with_received_and_announced(
    loaded: tuple[FakeElasticsearch, str, Path],
) -> None:
    fake, url, path = loaded
    before = table_hashes(path)
    empty = b'{"_scroll_id":"x","hits":{"total":600,"hits":[]}}'
    fake.scroll_hook = lambda n, status, body: (200, empty) if n == 2 else None
    result = _full_run(url, path)
    assert result.status == "failed"
    assert "modtog 200 af 600" in result.message and "tidligere data er bevaret" in result.message
    assert table_hashes(path) == before
    log = rows(path, "SELECT status, message FROM refresh_log ORDER BY started DESC LIMIT 1")
    assert log == [("failed", result.message)]


@pytest.mark.parametrize("lost", ["502", "drop", "cut"])
def test_a_lost_scroll_answer_is_not_repeated(
    loaded: tuple[FakeElasticsearch, str, Path], lost: str
) -> None:
    """The server moved the cursor on and the answer was lost: a repeat would get the next
    page and skip one (500 of 600 reported ok before the fix)."""
    fake, url, path = loaded
    before = table_hashes(path)

    def lose(n: int, status: int, body: bytes) -> tuple[int, bytes] | str | None:
        if n != 2:
            return None
        return lost if lost in ("drop", "cut") else (502, b'{"error": "bad gateway"}')

    fake.scroll_hook = lose
    result = _full_run(url, path)
    assert result.status == "failed", result.message
    assert _scroll_posts(fake) == 2  # the lost request was not sent again
    assert table_hashes(path) == before


def test_a_stuck_scroll_with_junk_hits_stops(loaded: tuple[FakeElasticsearch, str, Path]) -> None:
    """The same _scroll_id answering junk forever made 944 requests and 6,000 rejects."""
    fake, url, path = loaded
    before = table_hashes(path)
    junk = json.dumps(
        {"_scroll_id": "stuck", "hits": {"total": N, "hits": [{"_id": "x"}] * 100}}
    ).encode()
    fake.scroll_hook = lambda n, status, body: (200, junk if n < ENDLESS else END)
    result = _full_run(url, path)
    assert result.status == "failed"
    assert _scroll_posts(fake) <= 2
    assert rows(path, "SELECT count(*) FROM companies_rejects") <= [(100,)]
    assert table_hashes(path) == before


def test_a_scroll_repeating_a_good_page_stops(
    loaded: tuple[FakeElasticsearch, str, Path],
) -> None:
    fake, url, path = loaded
    before = table_hashes(path)
    pages: dict[int, bytes] = {}

    def repeat(n: int, status: int, body: bytes) -> tuple[int, bytes] | None:
        pages.setdefault(1, body)
        return (200, pages[1] if n < ENDLESS else END)  # the first page again, same cursor

    fake.scroll_hook = repeat
    result = _full_run(url, path)
    assert result.status == "failed" and "gentager samme side" in result.message
    assert _scroll_posts(fake) == 2
    assert table_hashes(path) == before


def test_more_pages_than_the_total_allows_stop(
    loaded: tuple[FakeElasticsearch, str, Path],
) -> None:
    fake, url, path = loaded
    fake.totals["virksomhed"] = 300  # announces 300, keeps delivering all 600
    result = _full_run(url, path)
    assert result.status == "failed" and "flere dokumenter end annonceret" in result.message
    assert _scroll_posts(fake) <= 4
    assert rows(path, "SELECT count(*) FROM companies") == [(N,)]


def test_rejects_are_capped_per_run(loaded: tuple[FakeElasticsearch, str, Path]) -> None:
    fake, url, path = loaded
    before = table_hashes(path)
    bad = json.dumps({"Vrvirksomhed": {"cvrNummer": None}})
    # Every tenth document unusable: no page is mostly junk, but the run exceeds the cap.
    fake.set_index(
        "virksomhed", lambda: (bad if i % 10 == 0 else d for i, d in enumerate(synthetic_stream(N)))
    )
    result = _full_run(url, path, max_rejects=30)
    assert result.status == "failed" and "max_rejects" in result.message
    assert table_hashes(path) == before
    # Within the cap the same source loads, rejects recorded, the rest in the cache.
    result = _full_run(url, path, max_rejects=100)
    assert result.status == "ok", result.message
    assert rows(path, "SELECT count(*) FROM companies") == [(N - N // 10,)]


def test_a_page_mostly_unusable_fails_the_run(
    loaded: tuple[FakeElasticsearch, str, Path],
) -> None:
    fake, url, path = loaded
    before = table_hashes(path)
    bad = json.dumps({"Vrvirksomhed": {"cvrNummer": None}})
    fake.set_index(
        "virksomhed",
        lambda: (bad if 100 <= i < 170 else d for i, d in enumerate(synthetic_stream(N))),
    )
    result = _full_run(url, path)
    assert result.status == "failed" and "70 af 100 dokumenter" in result.message
    assert table_hashes(path) == before


def test_the_password_never_goes_over_plain_http_to_a_remote_host(tmp_path: Path) -> None:
    path = tmp_path / "cache.duckdb"
    with make_host(path, "http://cvr.example.invalid") as host:
        result = host.run("cvr")
    assert result.status == "failed"
    assert "ukrypteret" in result.message and "allow_insecure_http = true" in result.message
    assert PASSWORD not in result.message


def test_default_base_url_is_https() -> None:
    from workbench.core.config import load_settings

    assert load_settings(None).plugin("cvr")["base_url"].startswith("https://")


def test_announced_totals_of_es6_and_es7_answers() -> None:
    from workbench.plugins.cvr.es import Scroll, _page

    es6 = Scroll()
    for total in (600, 601, 600):  # a live index may change between pages
        es6.note(_page({"hits": {"total": total, "hits": [{}] * 10}}, "x"))
    assert es6.announced == (600, 601) and es6.received == 30
    es7 = Scroll()
    es7.note(_page({"hits": {"total": {"value": 10000, "relation": "gte"}, "hits": [{}]}}, "x"))
    assert es7.announced == (10000, None)  # "at least": never an upper bound
    exact = Scroll()
    exact.note(_page({"hits": {"total": {"value": 5, "relation": "eq"}, "hits": [{}]}}, "x"))
    assert exact.announced == (5, 5)


def test_a_first_answer_without_documents_but_a_total_fails(
    loaded: tuple[FakeElasticsearch, str, Path],
) -> None:
    """The companies arrive; the production units' first answer announces 40 and holds none.
    Before, that ended the units' scroll quietly and the load was ok without its units."""
    fake, url, path = loaded
    before = table_hashes(path)
    fake.totals["produktionsenhed"] = 40
    result = _full_run(url, path)
    assert result.status == "failed" and "modtog 0 af 40" in result.message, result.message
    assert table_hashes(path) == before


def test_documents_the_mapping_cannot_read_are_rejected_not_a_crash(
    loaded: tuple[FakeElasticsearch, str, Path], shared_fixtures: Path
) -> None:
    # Documents the mapping raised a plain TypeError/ValueError on (mixed date types in one
    # history, an employment month 13) once ended the whole refresh with a traceback.
    from tests.plugins.test_cvr_mapping_reference import _assert_same, _sources_under_test

    crashing = [
        d
        for d in _sources_under_test(shared_fixtures)
        if isinstance(d, dict) and "Vrvirksomhed" in d and _assert_same(d) == "crash"
    ][:5]
    assert crashing, "the corpus has documents the mapping cannot read"
    fake, url, path = loaded
    bad = [json.dumps(d) for d in crashing]
    fake.set_index(
        "virksomhed",
        lambda: (
            bad[i // 100] if i % 100 == 0 and i // 100 < len(bad) else d
            for i, d in enumerate(synthetic_stream(N))
        ),
    )
    result = _full_run(url, path)
    assert result.status == "ok", result.message
    n_bad = min(len(bad), N // 100)
    assert rows(path, "SELECT count(*) FROM companies") == [(N - n_bad,)]
    reasons = rows(path, "SELECT reason FROM companies_rejects WHERE reason LIKE '%uventet%'")
    assert len(reasons) == n_bad
