"""The day's route: never longer than the order the visits came in (property test over
random points), a permutation of them, and a real OSRM-shaped server when configured."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import numpy as np
import pytest

from workbench.core.campaigns.routing import path_length, route, straight_line_matrix


@pytest.mark.parametrize("with_start", [False, True])
def test_route_is_never_longer_than_the_input_order(with_start):
    rng = np.random.default_rng(16)
    for trial in range(300):
        n = int(rng.integers(0, 14))
        # clustered and uniform layouts, in metres around Denmark
        x = rng.uniform(500_000, 600_000, n)
        y = rng.uniform(6_100_000, 6_200_000, n)
        if trial % 3 == 0 and n:
            x = np.round(x, -4)  # duplicates and collinear points
        start = (550_000.0, 6_150_000.0) if with_start else None
        r = route(x, y, start=start)
        assert sorted(r.order) == list(range(n))
        xs, ys = list(x), list(y)
        if start is not None:
            xs, ys = [start[0], *xs], [start[1], *ys]
        dist = straight_line_matrix(xs, ys)
        shift = 1 if start is not None else 0
        walked = ([0] if start is not None else []) + [i + shift for i in r.order]
        assert path_length(dist, walked) == pytest.approx(r.length)
        assert r.length <= path_length(dist, list(range(len(xs)))) + 1e-6
        assert r.input_length == pytest.approx(path_length(dist, list(range(len(xs)))))


def test_route_untangles_a_zigzag():
    x = [0, 1000, 0, 1000, 0, 1000]
    y = [0, 0, 1000, 1000, 2000, 2000]
    r = route(x, y)
    assert r.length < r.input_length
    assert r.length == pytest.approx(1000 * 5)  # the ladder walked end to end


class _Osrm(BaseHTTPRequestHandler):
    matrix: ClassVar[list[list[float]]] = []
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Osrm.paths.append(self.path)
        body = json.dumps({"code": "Ok", "durations": _Osrm.matrix}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_routing_server_durations_are_used_when_configured():
    # Durations that make the straight-line order wrong: 0 -> 2 -> 1 is fastest.
    _Osrm.matrix = [[0, 900, 60], [900, 0, 60], [60, 60, 0]]
    _Osrm.paths = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Osrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        r = route([560_000, 561_000, 590_000], [6_300_000, 6_300_000, 6_320_000], base_url=base)
    finally:
        server.shutdown()
        server.server_close()
    assert r.source == "osrm"
    assert _Osrm.paths and _Osrm.paths[0].startswith("/table/v1/driving/")
    assert r.length == 120 and r.order in ([0, 2, 1], [1, 2, 0])


def test_unreachable_routing_server_falls_back_to_straight_lines():
    r = route([0, 10, 5], [0, 0, 0], base_url="http://127.0.0.1:9")
    assert r.source == "straight_line" and r.length == pytest.approx(10)
