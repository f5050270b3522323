"""Credentials go only to the configured host: a GeoJSON ``links[rel=next]`` that points to
another host does not receive the Dataforsyningen token (it did before issue #12)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tests.faults.hashes import table_hashes
from tests.faults.scenarios import SCENARIOS, _some_kommuner
from tests.plugins.fixture_server import FixtureServer, Reply

TOKEN = "hemmeligt-dataforsyningen-token"


def test_a_next_link_to_another_host_gets_no_token(tmp_path: Path, shared_fixtures: Path):
    plain = SCENARIOS["boundaries"]
    scenario = dataclasses.replace(
        plain, config=lambda srv, shared: plain.config(srv, shared) + f'token = "{TOKEN}"\n'
    )
    path = tmp_path / "cache.duckdb"
    with FixtureServer() as server, FixtureServer() as other:
        scenario.serve(server, shared_fixtures)
        with scenario.host(tmp_path, server, shared_fixtures, path) as host:
            assert host.run("boundaries").ok  # the token goes to the configured host
        assert server.calls("/k.geojson")[0].query["token"] == [TOKEN]
        before = table_hashes(path)
        other.route("GET", "/page2", Reply(200, _some_kommuner(shared_fixtures)))
        next_page = {"rel": "next", "href": f"{other.url}/page2?offset=50"}
        server.route(
            "GET",
            "/k.geojson",
            Reply.json({"type": "FeatureCollection", "features": [], "links": [next_page]}),
        )
        with scenario.host(tmp_path, server, shared_fixtures, path) as host:
            result = host.run("boundaries")
        assert other.calls("/page2") == []  # nothing sent: the URL carried the token
    assert result.status == "failed"
    assert "legitimation sendes kun til de konfigurerede værter" in result.message
    assert f"127.0.0.1:{other.port}" in result.message and TOKEN not in result.message
    assert table_hashes(path) == before
