"""Paged sources that end early or never: ESCO (taxonomies) must not load part of a list as
if it were all of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.hashes import table_hashes
from tests.faults.scenarios import SCENARIOS
from tests.plugins.fixture_server import FixtureServer, Reply, Request
from tests.plugins.test_taxonomies import _esco_skills


@pytest.mark.parametrize(
    ("second_page", "reason"),
    [
        ({"total": 3, "_embedded": {"results": []}}, "modtog 2 af 3"),  # ended early
        ({"_embedded": {"results": []}}, "mangler total"),  # no total: cannot tell
        ("first-again", "gentager samme side"),  # offset ignored: endless
    ],
    ids=["ends-early", "no-total", "offset-ignored"],
)
def test_esco_cut_short_or_looping_keeps_the_previous_lists(
    tmp_path: Path, shared_fixtures: Path, second_page: object, reason: str
) -> None:
    scenario = SCENARIOS["taxonomies-esco"]
    path = tmp_path / "cache.duckdb"
    with FixtureServer() as server:
        scenario.serve(server, shared_fixtures)
        with scenario.host(tmp_path, server, shared_fixtures, path) as host:
            assert host.run("taxonomies").ok
        before = table_hashes(path)

        def search(req: Request) -> Reply:
            if req.query["type"] == ["occupation"] and req.query["offset"] != ["0"]:
                if second_page == "first-again":
                    req.query["offset"] = ["0"]
                    return _esco_skills(req)
                return Reply.json(second_page)
            return _esco_skills(req)

        server.route("GET", "/esco/search", handler=search)
        with scenario.host(tmp_path, server, shared_fixtures, path) as host:
            result = host.run("taxonomies")
    assert result.status == "failed" and reason in result.message, result.message
    assert table_hashes(path) == before
