"""Travel times from an OSRM table service (a local server speaking OSRM's JSON) and the
fallback to the labelled estimate when it fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.matching.test_eligibility_reference import make_order
from tests.plugins.fixture_server import FixtureServer, Reply, Request
from workbench.core.config import Settings, load_settings
from workbench.core.matching import match
from workbench.core.store import Store

ORDER = {"occupation_codes": ["5223"], "max_commute_km": 40}
PATH = "/table/v1/driving/*"


@pytest.fixture
def osrm() -> Iterator[FixtureServer]:
    with FixtureServer() as server:
        yield server


def settings_for(tmp_path: Path, url: str) -> Settings:
    cfg = tmp_path / "routing.toml"
    cfg.write_text(f'[routing]\nbase_url = "{url}"\n', encoding="utf-8")
    return load_settings(cfg)


def table_reply(req: Request) -> Reply:
    """OSRM's answer: destination i is 100 + 60 * i seconds away (the last listed the
    farthest), so the routed times reverse nothing but differ from the estimate."""
    coords = req.path.rsplit("/", 1)[1].split(";")
    row = [0.0] + [100.0 + 60.0 * i for i in range(len(coords) - 1)]
    return Reply.json({"code": "Ok", "durations": [row]})


def test_car_times_come_from_the_routing_server(
    match_store: Store, osrm: FixtureServer, tmp_path: Path
) -> None:
    osrm.route("GET", PATH, handler=table_reply)
    settings = settings_for(tmp_path, osrm.url)
    result = match(match_store, make_order(match_store, ORDER), top=5, settings=settings)
    assert result.travel["source"] == "osrm"
    (req,) = osrm.requests
    assert req.query == {"sources": ["0"], "annotations": ["duration"]}
    coords = [tuple(map(float, c.split(","))) for c in req.path.rsplit("/", 1)[1].split(";")]
    assert len(coords) == 6  # the workplace, then the top 5
    assert all(8 < lon < 13 and 54.5 < lat < 58 for lon, lat in coords)  # WGS84, Denmark
    routed = {round(100 / 60 + i, 1) for i in range(5)}  # minutes the server gave
    for item in result.items:
        if item.travel["mode"] == "car":
            assert item.travel["estimated"] is False
            assert item.travel["car_min"] in routed
            assert "≈" not in item.summary.split(" · ")[2 if item.nice_total else 1]
    assert any(i.travel["mode"] == "car" for i in result.items)


@pytest.mark.parametrize(
    "reply",
    [
        Reply(status=500),
        Reply.json({"code": "NoTable", "message": "no route"}),
        Reply.json({"code": "Ok", "durations": [[0.0]]}),
        Reply(drop=True),
    ],
)
def test_a_failing_server_falls_back_to_the_estimate_and_says_so(
    match_store: Store, osrm: FixtureServer, tmp_path: Path, reply: Reply
) -> None:
    osrm.route("GET", PATH, reply)
    settings = settings_for(tmp_path, osrm.url)
    result = match(match_store, make_order(match_store, ORDER), top=5, settings=settings)
    assert len(osrm.requests) == 1
    assert result.travel["source"] == "estimate"
    assert result.travel["note"].startswith("routing failed, estimated instead")
    for item in result.items:
        assert item.travel["estimated"] is True
        # 1.3 min per km (x 1.3 road detour at 60 km/h); distance and minutes are rounded
        assert abs(item.travel["car_min"] - item.distance_km * 1.3) < 0.15


def test_without_a_routing_server_nothing_is_requested(match_store: Store) -> None:
    result = match(match_store, make_order(match_store, ORDER), top=3)
    assert result.travel["source"] == "estimate"
    assert all(i.travel["estimated"] for i in result.items)
    assert all("≈" in i.summary for i in result.items)
