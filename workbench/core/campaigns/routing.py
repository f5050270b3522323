"""A day's visit order: nearest neighbour, then 2-opt, over straight-line distances or the
durations of an OSRM ``table`` service (``[routing] base_url``).

The route is an open path (no return to the start). 2-opt is run on the nearest-neighbour
path and on the input order, and the shorter result wins: 2-opt never lengthens a path, so
the result is never longer than the order the visits were given in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_EPS = 1e-9


@dataclass(frozen=True)
class Route:
    order: list[int]  # indices into the points given, in visiting order
    length: float  # metres (straight line) or seconds (routing server)
    input_length: float  # the same measure for the order given
    source: str  # "straight_line" | "osrm"


def straight_line_matrix(x: Sequence[float], y: Sequence[float]) -> np.ndarray:
    xs, ys = np.asarray(x, np.float64), np.asarray(y, np.float64)
    return np.hypot(xs[:, None] - xs[None, :], ys[:, None] - ys[None, :])


def path_length(dist: np.ndarray, order: Sequence[int]) -> float:
    idx = np.asarray(order, dtype=np.int64)
    if idx.size < 2:
        return 0.0
    return float(dist[idx[:-1], idx[1:]].sum())


def nearest_neighbour(dist: np.ndarray, start: int = 0) -> list[int]:
    n = dist.shape[0]
    if n == 0:
        return []
    seen = np.zeros(n, bool)
    order = [start]
    seen[start] = True
    for _ in range(n - 1):
        row = np.where(seen, np.inf, dist[order[-1]])
        nxt = int(np.argmin(row))
        order.append(nxt)
        seen[nxt] = True
    return order


def two_opt(dist: np.ndarray, order: Sequence[int], *, fixed_start: bool) -> list[int]:
    """Improve the open path ``order`` by segment reversals until none shortens it."""
    path = list(order)
    n = len(path)
    first = 1 if fixed_start else 0
    improved = True
    while improved:
        improved = False
        for i in range(first, n - 1):
            for j in range(i + 1, n):
                a = path[i - 1] if i > 0 else None
                b, c = path[i], path[j]
                d = path[j + 1] if j + 1 < n else None
                before = (dist[a, b] if a is not None else 0.0) + (
                    dist[c, d] if d is not None else 0.0
                )
                after = (dist[a, c] if a is not None else 0.0) + (
                    dist[b, d] if d is not None else 0.0
                )
                if after < before - _EPS:
                    path[i : j + 1] = path[i : j + 1][::-1]
                    improved = True
    return path


def plan_route(dist: np.ndarray, *, fixed_start: bool = False) -> tuple[list[int], float]:
    """The visiting order of the points of ``dist`` (a square matrix; with ``fixed_start``
    point 0 is where the day starts) and its length."""
    n = dist.shape[0]
    if n <= 2:
        return list(range(n)), path_length(dist, list(range(n)))
    given = list(range(n))
    candidates = [two_opt(dist, given, fixed_start=fixed_start)]
    starts = [0] if fixed_start else sorted({0, int(np.argmax(dist.sum(axis=1)))})
    for s in starts:
        candidates.append(two_opt(dist, nearest_neighbour(dist, s), fixed_start=fixed_start))
    best = min(candidates, key=lambda o: path_length(dist, o))
    return best, path_length(dist, best)


def osrm_matrix(
    base_url: str, x: Sequence[float], y: Sequence[float], *, timeout: float = 10.0
) -> np.ndarray:
    """Driving durations (seconds) between the points (EPSG:25832) from an OSRM server's
    ``/table/v1/driving`` service."""
    import requests

    from ..geo import transformer

    lon, lat = transformer("EPSG:25832", "EPSG:4326").transform(
        np.asarray(x, float), np.asarray(y, float)
    )
    coords = ";".join(f"{a:.6f},{b:.6f}" for a, b in zip(lon, lat, strict=True))
    url = f"{base_url.rstrip('/')}/table/v1/driving/{coords}"
    resp = requests.get(url, params={"annotations": "duration"}, timeout=timeout)
    resp.raise_for_status()
    data = resp.json()
    if data.get("code") != "Ok" or "durations" not in data:
        raise ValueError(f"routing server answered {data.get('code')!r}")
    matrix = np.array(
        [[np.inf if v is None else float(v) for v in row] for row in data["durations"]]
    )
    if matrix.shape != (len(lon), len(lon)):
        raise ValueError("routing server returned a matrix of the wrong size")
    return matrix


def route(
    x: Sequence[float],
    y: Sequence[float],
    *,
    start: tuple[float, float] | None = None,
    base_url: str | None = None,
) -> Route:
    """The visiting order of the points ``x``, ``y`` (indices into them), starting at
    ``start`` when given. With ``base_url`` the routing server's durations are used; when
    it cannot answer, straight-line distances (``source`` says which)."""
    xs, ys = list(map(float, x)), list(map(float, y))
    if start is not None:
        xs, ys = [float(start[0]), *xs], [float(start[1]), *ys]
    dist, source = None, "straight_line"
    if base_url and len(xs) > 1:
        try:
            dist, source = osrm_matrix(base_url, xs, ys), "osrm"
        except (OSError, ValueError) as exc:  # requests' errors are OSErrors
            del exc
            dist = None
    if dist is None:
        dist, source = straight_line_matrix(xs, ys), "straight_line"
    order, length = plan_route(dist, fixed_start=start is not None)
    given = path_length(dist, list(range(len(xs))))
    if start is not None:
        order = [i - 1 for i in order[1:]]
    return Route(order, length, given, source)
