"""Travel time from the candidates' homes to the workplace.

With ``[routing] base_url`` set (an OSRM server on the Denmark OpenStreetMap extract) the
car times of the top candidates come from OSRM's table service; otherwise, and when the
server fails, they are estimates, labelled as such. Public transport is always an estimate
(OSRM routes cars only):

- car: straight line x 1.3 (roads are not straight) at 60 km/h, i.e. 1.3 min per km;
- public transport: 10 min to walk to and wait at a stop, then straight line x 1.3 at
  25 km/h (buses and trains with stops and changes), i.e. 10 min + 3.12 min per km.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

DETOUR = 1.3  # road distance / straight line, a common rule of thumb for Danish roads
CAR_KMH = 60.0
PT_KMH = 25.0
PT_WAIT_MIN = 10.0
ROUTING_TIMEOUT_S = 5.0  # the window waits for this; a slow server means the estimate
# Categories that let a candidate drive a car to work.
CAR_LICENCES = ("B", "BE", "C1", "C1E", "C", "CE", "D1", "D1E", "D", "DE")


def car_minutes_estimate(km: np.ndarray) -> np.ndarray:
    return km * DETOUR / CAR_KMH * 60.0


def pt_minutes_estimate(km: np.ndarray) -> np.ndarray:
    return PT_WAIT_MIN + km * DETOUR / PT_KMH * 60.0


@dataclass
class RoutingResult:
    """Car minutes per destination (NaN where OSRM found no route), or None with a
    reason when the server could not be used."""

    minutes: np.ndarray | None
    error: str | None = None


def routing_base_url(settings: Any) -> str:
    """``[routing] base_url`` from the settings (empty: no routing server)."""
    if settings is None:
        return ""
    value = settings.get("routing.base_url", "") if hasattr(settings, "get") else ""
    return str(value or "").strip().rstrip("/")


def to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:25832 to WGS84 longitude/latitude."""
    from ..geo import CRS, transformer

    lon, lat = transformer(CRS, "EPSG:4326").transform(np.asarray(x), np.asarray(y))
    return np.asarray(lon), np.asarray(lat)


def osrm_car_minutes(
    base_url: str,
    origin_xy: tuple[float, float],
    xs: np.ndarray,
    ys: np.ndarray,
    *,
    session: Any = None,
    timeout_s: float = ROUTING_TIMEOUT_S,
) -> RoutingResult:
    """Car minutes from the workplace to each (x, y) by OSRM's table service:
    ``GET {base}/table/v1/driving/{lon,lat;...}?sources=0&annotations=duration``. Any
    failure (connection, HTTP status, a code other than "Ok", a malformed answer) gives
    ``minutes=None`` and the reason; the caller falls back to the estimate."""
    if len(xs) == 0:
        return RoutingResult(np.zeros(0))
    lon, lat = to_lonlat(np.r_[origin_xy[0], xs], np.r_[origin_xy[1], ys])
    coords = ";".join(f"{a:.6f},{b:.6f}" for a, b in zip(lon, lat, strict=True))
    url = f"{base_url}/table/v1/driving/{coords}"
    try:
        if session is None:
            from ..plugins.http import make_session

            session = make_session({"retries": 0, "timeout_s": timeout_s})
        resp = session.get(
            url,
            params={"sources": "0", "annotations": "duration"},
            timeout=(timeout_s, timeout_s),
        )
        if resp.status_code != 200:
            return RoutingResult(None, f"routing server answered HTTP {resp.status_code}")
        data = resp.json()
        if not isinstance(data, dict) or data.get("code") != "Ok":
            code = data.get("code") if isinstance(data, dict) else None
            return RoutingResult(None, f"routing server answered code {code!r}")
        row = data["durations"][0]
        if len(row) != len(xs) + 1:
            return RoutingResult(None, "routing server answered the wrong number of durations")
        seconds = np.array([np.nan if v is None else float(v) for v in row[1:]], dtype=float)
    except Exception as exc:
        log.info("routing failed: %s", exc)
        return RoutingResult(None, f"routing server not reachable ({type(exc).__name__})")
    return RoutingResult(seconds / 60.0)
