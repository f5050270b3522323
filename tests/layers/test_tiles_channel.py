"""The skærmkort WMTS as it is in 2026: bare tile matrix ids 0..13, origin (120000, 6500000),
resolution 1638.4 / 2^z, and the token optionally in a ``token`` header."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.layers import tile_server
from workbench.core.config import load_settings
from workbench.layers.tiles import VIEW1, TileCache, TileFetcher, TileService


def test_defaults_match_the_current_service():
    svc = TileService.from_settings(load_settings().data["basemap"])
    assert (VIEW1.origin_x, VIEW1.origin_y) == (120_000.0, 6_500_000.0)
    assert [VIEW1.resolution(z) for z in range(14)] == [1638.4 / 2**z for z in range(14)]
    for z in (0, 9, 13):
        query = parse_qs(urlsplit(TileService(svc.url, token="t").tile_url(z, 1, 2)).query)
        assert query["TileMatrix"] == [str(z)]  # bare ids, no "L00"
        assert query["TileMatrixSet"] == ["View1"]
        assert query["token"] == ["t"]


def test_an_old_configured_level_naming_keeps_working():
    svc = TileService.from_settings(
        {"url": "https://x/{TileMatrix}/{TileRow}/{TileCol}", "matrix_id": "L{z:02d}"}
    )
    assert svc.tile_url(0, 1, 2) == "https://x/L00/1/2"


def test_token_in_a_header_leaves_it_out_of_the_url(tmp_path):
    kvp = (
        "https://x/wmts?service=WMTS&TileMatrix={TileMatrix}&TileRow={TileRow}"
        "&TileCol={TileCol}&token={token}"
    )
    svc = TileService.from_settings({"url": kvp, "token": "secret", "token_header": "token"})
    assert svc.tile_url(3, 5, 7) == "https://x/wmts?service=WMTS&TileMatrix=3&TileRow=5&TileCol=7"
    first = TileService(
        "https://x/w?token={token}&TileMatrix={TileMatrix}", "s", token_header="token"
    )
    assert first.tile_url(4, 0, 0) == "https://x/w?TileMatrix=4"
    assert svc.configured and svc.headers() == {"token": "secret"}

    server = tile_server.TileServer()
    try:
        svc = TileService(server.url_template, token="secret", token_header="token")
        fetcher = TileFetcher(svc, TileCache(tmp_path, svc.key()), timeout_s=5)
        assert fetcher.fetch(2, 3, 4) is not None
        assert "secret" not in server.requests[0]
        assert server.headers[0].get("token") == "secret"
    finally:
        server.stop()
