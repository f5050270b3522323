"""The cvr plugin fetches the next scroll page while it maps the current one (issue #17)."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from tests.plugins.fake_es import FakeElasticsearch, FakeElasticsearchServer, synthetic_stream
from workbench.core.plugins.api import PluginError
from workbench.core.plugins.http import make_session
from workbench.plugins.cvr.es import Scroll, prefetched, scroll_pages

WAIT_S = 30  # an upper bound for a signal that arrives at once when the code is right


def _fake(n: int) -> FakeElasticsearch:
    fake = FakeElasticsearch()
    fake.set_index("virksomhed", lambda: synthetic_stream(n))
    return fake


def _scroll_posts(fake: FakeElasticsearch) -> int:
    return len([r for r in fake.requests if r[0] == "POST" and r[1] == "/_search/scroll"])


def test_next_page_is_requested_while_the_caller_holds_this_one() -> None:
    fake = _fake(30)
    asked = threading.Event()
    fake.scroll_hook = lambda n, status, body: asked.set() if n == 1 else None
    with FakeElasticsearchServer(fake) as server:
        tally = Scroll()
        pages = prefetched(
            scroll_pages(
                make_session(), server.url, "virksomhed", {"match_all": {}}, size=10, tally=tally
            )
        )
        first = next(pages)
        # The caller still maps the first page: the second is on its way already.
        assert asked.wait(WAIT_S)
        rest = list(pages)
    assert [len(p.hits) for p in [first, *rest]] == [10, 10, 10]
    assert tally.received == 30
    assert fake.open_scrolls == 0


def test_a_caller_that_stops_leaves_one_request_ahead_and_clears_the_scroll() -> None:
    fake = _fake(100)
    with FakeElasticsearchServer(fake) as server:
        pages = prefetched(
            scroll_pages(make_session(), server.url, "virksomhed", {"match_all": {}}, size=10)
        )
        next(pages)
        next(pages)  # the caller has the search page and scroll page 1
        pages.close()
        assert _scroll_posts(fake) <= 2
        assert fake.open_scrolls == 0


def test_a_fetch_error_reaches_the_caller_in_order() -> None:
    fake = _fake(50)
    bad = json.dumps({"error": {"type": "es_rejected_execution_exception"}}).encode()
    fake.scroll_hook = lambda n, status, body: (200, bad) if n == 2 else None
    got: list[Any] = []
    with FakeElasticsearchServer(fake) as server:
        pages = prefetched(
            scroll_pages(make_session(), server.url, "virksomhed", {"match_all": {}}, size=10)
        )
        with pytest.raises(PluginError, match="es_rejected_execution_exception"):
            for page in pages:
                got.append(page)
        assert fake.open_scrolls == 0
    assert len(got) == 2  # the search page and scroll page 1, then the error
