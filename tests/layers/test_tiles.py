"""WMTS View1 tile math, the disk tile cache (LRU size limit) and offline fetching."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from workbench.layers.tiles import (
    VIEW1,
    TileCache,
    TileFetcher,
    TileProblem,
    TileService,
    ows_exception_text,
)

_spec = importlib.util.spec_from_file_location(
    "tile_server", Path(__file__).with_name("tile_server.py")
)
tile_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tile_server)


def test_view1_resolutions_and_matrix_sizes():
    assert VIEW1.resolution(0) == 1638.4
    assert VIEW1.resolution(13) == pytest.approx(0.2)
    assert VIEW1.resolution(8) == pytest.approx(6.4)
    assert VIEW1.matrix_size(0) == (3, 2)
    assert VIEW1.matrix_size(8) == (768, 512)
    assert VIEW1.tile_span(0) == pytest.approx(419_430.4)
    assert VIEW1.extent() == pytest.approx(
        (120_000, 6_500_000 - 2 * 419_430.4, 120_000 + 3 * 419_430.4, 6_500_000)
    )
    with pytest.raises(ValueError):
        VIEW1.resolution(14)


def test_level_for_pixel_size():
    assert VIEW1.level_for(1638.4) == 0
    assert VIEW1.level_for(5000) == 0  # coarser than level 0: level 0 scaled down
    assert VIEW1.level_for(819.2) == 1
    assert VIEW1.level_for(600) == 2  # 409.6 m/px: tiles drawn smaller, never blurred
    assert VIEW1.level_for(900) == 1  # 819.2 is within 15 %
    assert VIEW1.level_for(0.2) == 13
    assert VIEW1.level_for(0.01) == 13


def test_tiles_cover_the_view():
    # Copenhagen around (725000, 6175000) at level 0: column 1, row 0
    level, tiles = VIEW1.tiles_for((724_000, 6_174_000, 726_000, 6_176_000), 1638.4)
    assert level == 0 and tiles == [(0, 1)]
    # all of Denmark at ~1000 m/px: level 1 (819.2 m/px), tiles span the view
    ext = (440_000, 6_040_000, 900_000, 6_410_000)
    level, tiles = VIEW1.tiles_for(ext, 1000.0)
    assert level == 1
    for r, c in tiles:
        xmin, ymin, xmax, ymax = VIEW1.tile_bounds(level, r, c)
        assert xmax > ext[0] and xmin < ext[2] and ymax > ext[1] and ymin < ext[3]
    covered = {(r, c) for r, c in tiles}
    assert len(covered) == len(tiles)
    for cx, cy in ((ext[0], ext[1]), (ext[2] - 1, ext[3] - 1), (700_000, 6_200_000)):
        assert any(
            VIEW1.tile_bounds(level, r, c)[0] <= cx <= VIEW1.tile_bounds(level, r, c)[2]
            and VIEW1.tile_bounds(level, r, c)[1] <= cy <= VIEW1.tile_bounds(level, r, c)[3]
            for r, c in tiles
        )
    # outside the matrix: nothing
    assert VIEW1.tiles_for((0, 0, 10, 10), 1.0)[1] == []


def test_tile_url_template_and_token():
    svc = TileService(
        "https://x/wmts?TileMatrix={TileMatrix}&TileRow={TileRow}&TileCol={TileCol}", token="abc"
    )
    assert svc.tile_url(3, 5, 7) == "https://x/wmts?TileMatrix=3&TileRow=5&TileCol=7&token=abc"
    svc = TileService(
        "https://x/{TileMatrix}/{TileRow}/{TileCol}.png?t={token}", token="T", matrix_id="L{z:02d}"
    )
    assert svc.tile_url(3, 5, 7) == "https://x/L03/5/7.png?t=T"
    assert svc.key() == TileService(svc.url, token="other", matrix_id="L{z:02d}").key()
    assert not TileService("").configured


def test_cache_size_limit_evicts_least_recently_used(tmp_path):
    cache = TileCache(tmp_path, "svc", max_bytes=3000)
    for col in range(3):
        cache.put(5, 1, col, bytes([col]) * 1000)
    assert cache.total_bytes() == 3000
    assert cache.get(5, 1, 0) is not None  # 0 is now the most recently used
    cache.put(5, 1, 3, b"x" * 1000)
    assert cache.total_bytes() <= 3000
    assert (5, 1, 1) not in cache  # the least recently used went
    assert (5, 1, 0) in cache and (5, 1, 3) in cache
    # a fresh cache object sees the files on disk (persistent)
    again = TileCache(tmp_path, "svc", max_bytes=3000)
    assert again.get(5, 1, 3) == b"x" * 1000
    assert again.total_bytes() <= 3000
    # a tile larger than the whole limit is not stored
    again.put(1, 1, 1, b"y" * 5000)
    assert (1, 1, 1) not in again


def test_fetch_caches_and_works_offline(tmp_path):
    server = tile_server.TileServer()
    svc = TileService(server.url_template, token="secret")
    cache = TileCache(tmp_path, svc.key(), max_bytes=10_000_000)
    fetcher = TileFetcher(svc, cache, timeout_s=5)
    try:
        data = fetcher.fetch(2, 3, 4)
        assert data is not None and data.startswith(b"\x89PNG")
        assert server.requests and "token=secret" in server.requests[0]
        assert fetcher.fetch(2, 3, 4) == data  # from disk
        assert len(server.requests) == 1
    finally:
        server.stop()
    # offline: cached tiles still come, missing ones are None (no exception), not retried
    assert fetcher.fetch(2, 3, 4) == data
    assert fetcher.fetch(2, 3, 5) is None
    n = fetcher.network_requests
    assert fetcher.fetch(2, 3, 5) is None
    assert fetcher.network_requests == n
    fetcher.close()


def test_fetch_rejects_non_image_answers(tmp_path):
    server = tile_server.TileServer()
    svc = TileService(f"http://127.0.0.1:{server.port}/nope/{{TileMatrix}}/{{TileRow}}/{{TileCol}}")
    fetcher = TileFetcher(svc, TileCache(tmp_path, svc.key()), timeout_s=5)
    try:
        assert fetcher.fetch(0, 0, 0) is None
        assert (0, 0, 0) not in fetcher.cache
    finally:
        server.stop()
        fetcher.close()


@pytest.fixture
def wmts_refusal(shared_fixtures: Path) -> bytes:
    return (
        shared_fixtures / "sources-2026" / "wmts" / "gettile_no_token_exception.xml"
    ).read_bytes()


@pytest.mark.parametrize(
    ("reply", "detail"),
    [
        ("exception-200", "User not authorized"),
        ("http-403", "HTTP 403"),
    ],
)
def test_a_refused_token_is_detected_once_and_stops_the_requests(
    tmp_path, wmts_refusal, reply, detail
):
    """Dataforsyningen answers a missing/wrong token with an OWS ExceptionReport, HTTP 200."""
    from tests.plugins.fixture_server import FixtureServer, Reply

    body = wmts_refusal
    answer = (
        Reply(200, body, {"Content-Type": "application/vnd.ogc.se_xml"})
        if reply == "exception-200"
        else Reply(403, b"Forbidden", {"Content-Type": "text/plain"})
    )
    problems = []
    with FixtureServer() as server:
        server.route("GET", "/wmts/*", answer)
        svc = TileService(server.url + "/wmts/{TileMatrix}/{TileRow}/{TileCol}", token="wrong")
        fetcher = TileFetcher(svc, TileCache(tmp_path, svc.key()), timeout_s=5)
        fetcher.on_problem = problems.append
        try:
            assert fetcher.fetch(3, 1, 1) is None
            assert fetcher.fetch(3, 1, 2) is None
            assert fetcher.fetch(4, 2, 2) is None
        finally:
            fetcher.close()
        assert len(server.requests) == 1  # every tile would fail alike: no more requests
    assert problems == [
        TileProblem("refused", detail, "[basemap] token (WORKBENCH__BASEMAP__TOKEN)")
    ]
    assert fetcher.problem == problems[0]


def test_ows_exception_text(wmts_refusal):
    assert ows_exception_text(wmts_refusal) == "User not authorized"
    assert ows_exception_text(b"\x89PNG\r\n") is None
    assert ows_exception_text(b"<html><body>Exception</body></html>") is None
