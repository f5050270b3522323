"""Basemap tiles: WMTS tile matrix math (EPSG:25832, tile matrix set View1), URL templates,
an on-disk tile cache with an LRU size limit, and a fetcher. No Qt.

View1 (Dataforsyningen skærmkort and other Danish WMTS services): top-left origin
(120000, 6500000), 256 px tiles, resolution 1638.4 m/px at level 0 halving down to 0.2 m/px
at level 13; level ``z`` has 3·2^z columns and 2·2^z rows. Rows count downwards from the
origin (WMTS), so row 0 is the northern edge.

Fetching happens on the caller's thread: the map calls :meth:`TileFetcher.fetch` from its
background loader, never from the UI thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from workbench.core import user_only

log = logging.getLogger(__name__)

TILE_PX = 256
_TOKEN_PARAM = re.compile(r"([?&])token=\{token\}(&|$)")  # left out when the token is a header
SKAERMKORT_ATTRIBUTION = "Kort: Styrelsen for Dataforsyning og Infrastruktur (skærmkort)"


@dataclass(frozen=True)
class TileMatrixSet:
    """A WMTS tile matrix set with power-of-two levels and one top-left origin."""

    name: str = "View1"
    origin_x: float = 120_000.0
    origin_y: float = 6_500_000.0
    top_resolution: float = 1638.4  # metres per pixel at level 0
    levels: int = 14  # 0..13 -> 0.2 m/px
    width0: int = 3  # columns at level 0
    height0: int = 2  # rows at level 0
    tile_px: int = TILE_PX

    def resolution(self, level: int) -> float:
        if not 0 <= level < self.levels:
            raise ValueError(f"level {level} outside 0..{self.levels - 1}")
        return self.top_resolution / (2**level)

    def matrix_size(self, level: int) -> tuple[int, int]:
        """(columns, rows) of ``level``."""
        return self.width0 * 2**level, self.height0 * 2**level

    def tile_span(self, level: int) -> float:
        """Ground size of one tile in metres."""
        return self.resolution(level) * self.tile_px

    def extent(self) -> tuple[float, float, float, float]:
        span = self.tile_span(0)
        return (
            self.origin_x,
            self.origin_y - self.height0 * span,
            self.origin_x + self.width0 * span,
            self.origin_y,
        )

    def level_for(self, units_per_pixel: float) -> int:
        """The coarsest level at least as fine as the view's pixel (within 15 %): tiles are
        drawn at 0.5x-1.15x their native size, so the map stays sharp with few tiles."""
        upp = float(units_per_pixel)
        if not upp > 0 or not math.isfinite(upp):
            return 0
        z = math.ceil(math.log2(self.top_resolution / upp) - 0.2)
        return max(0, min(self.levels - 1, z))

    def tile_bounds(self, level: int, row: int, col: int) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of a tile in metres."""
        span = self.tile_span(level)
        xmin = self.origin_x + col * span
        ymax = self.origin_y - row * span
        return xmin, ymax - span, xmin + span, ymax

    def tiles_for(
        self, extent: tuple[float, float, float, float], units_per_pixel: float
    ) -> tuple[int, list[tuple[int, int]]]:
        """The level for the pixel size and the (row, col) tiles covering ``extent``,
        clipped to the matrix; centre tiles first (they load first)."""
        level = self.level_for(units_per_pixel)
        span = self.tile_span(level)
        cols, rows = self.matrix_size(level)
        xmin, ymin, xmax, ymax = extent
        c0 = max(0, math.floor((xmin - self.origin_x) / span))
        c1 = min(cols - 1, math.floor((xmax - self.origin_x) / span - 1e-9))
        r0 = max(0, math.floor((self.origin_y - ymax) / span))
        r1 = min(rows - 1, math.floor((self.origin_y - ymin) / span - 1e-9))
        tiles = [(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
        cr, cc = (r0 + r1) / 2, (c0 + c1) / 2
        tiles.sort(key=lambda t: (t[0] - cr) ** 2 + (t[1] - cc) ** 2)
        return level, tiles


VIEW1 = TileMatrixSet()


@dataclass(frozen=True)
class TileService:
    """A configured WMTS service: a URL template with ``{TileMatrix}``, ``{TileRow}``,
    ``{TileCol}`` (REST or KVP) and optionally ``{token}``; the token is appended as
    ``token=`` when the template has no placeholder for it. With ``token_header`` (e.g.
    ``"token"``, which Dataforsyningen accepts) the token goes in that HTTP header instead
    and a ``token={token}`` query parameter is left out of the URL."""

    url: str
    token: str = ""
    # how a level is named in {TileMatrix}: bare "{z}" (0..13, skærmkort since 2026); an
    # older configuration's "L{z:02d}" (L00..L13) keeps working for services that use it
    matrix_id: str = "{z}"
    matrix_set: TileMatrixSet = VIEW1
    attribution: str = SKAERMKORT_ATTRIBUTION
    token_header: str = ""

    @property
    def configured(self) -> bool:
        """A URL, and a token when the template asks for one (no token: no basemap)."""
        return bool(self.url.strip()) and ("{token}" not in self.url or bool(self.token))

    def tile_url(self, level: int, row: int, col: int) -> str:
        matrix = self.matrix_id.format(z=level)
        url = (
            self.url.replace("{TileMatrix}", matrix)
            .replace("{TileRow}", str(row))
            .replace("{TileCol}", str(col))
        )
        if self.token_header:
            url = _TOKEN_PARAM.sub(lambda m: m.group(1) if m.group(2) else "", url)
        if "{token}" in url:
            url = url.replace("{token}", self.token)
        elif self.token and not self.token_header:
            url += ("&" if "?" in url else "?") + "token=" + self.token
        return url

    def headers(self) -> dict[str, str]:
        """HTTP headers of every tile request (the token, when it goes in a header)."""
        return {self.token_header: self.token} if self.token_header and self.token else {}

    def key(self) -> str:
        """Identifies the service in the disk cache (the token is not part of it)."""
        ident = f"{self.url}|{self.matrix_id}|{self.matrix_set}"
        return hashlib.sha256(ident.encode()).hexdigest()[:16]

    @classmethod
    def from_settings(cls, section: dict | None) -> TileService:
        section = section or {}
        return cls(
            url=str(section.get("url", "") or ""),
            token=str(section.get("token", "") or ""),
            matrix_id=str(section.get("matrix_id", "{z}") or "{z}"),
            attribution=str(section.get("attribution", "") or SKAERMKORT_ATTRIBUTION),
            token_header=str(section.get("token_header", "") or ""),
        )


class TileCache:
    """Tiles on disk under ``root/<service key>/<level>/<row>/<col>.tile``, at most
    ``max_bytes`` in total: storing beyond the limit evicts the least recently used tiles
    (reads refresh a tile's access time). Thread-safe within one process."""

    def __init__(self, root: Path, service_key: str, max_bytes: int = 200 * 1024 * 1024):
        self.dir = Path(root) / service_key
        self.max_bytes = int(max_bytes)
        self._lock = threading.Lock()
        self._index: dict[Path, tuple[float, int]] | None = None  # path -> (last use, size)
        self._clock = 0.0

    def _path(self, level: int, row: int, col: int) -> Path:
        return self.dir / str(level) / str(row) / f"{col}.tile"

    def _load_index(self) -> dict[Path, tuple[float, int]]:
        if self._index is None:
            index: dict[Path, tuple[float, int]] = {}
            if self.dir.is_dir():
                for p in self.dir.rglob("*.tile"):
                    try:
                        st = p.stat()
                    except OSError:
                        continue
                    index[p] = (st.st_mtime, st.st_size)
            self._index = index
            self._clock = max((t for t, _ in index.values()), default=0.0)
        return self._index

    def _tick(self) -> float:
        # monotonic use order even when the file system's mtime resolution is coarse
        self._clock = max(self._clock + 1e-6, time.time())
        return self._clock

    def total_bytes(self) -> int:
        with self._lock:
            return sum(s for _, s in self._load_index().values())

    def __contains__(self, tile: tuple[int, int, int]) -> bool:
        with self._lock:
            return self._path(*tile) in self._load_index()

    def get(self, level: int, row: int, col: int) -> bytes | None:
        path = self._path(level, row, col)
        with self._lock:
            index = self._load_index()
            if path not in index:
                return None
            try:
                data = path.read_bytes()
            except OSError:
                index.pop(path, None)
                return None
            t = self._tick()
            index[path] = (t, len(data))
            with contextlib.suppress(OSError):
                os.utime(path, (t, t))
            return data

    def put(self, level: int, row: int, col: int, data: bytes) -> None:
        if len(data) > self.max_bytes:
            return
        path = self._path(level, row, col)
        with self._lock:
            index = self._load_index()
            # User-only like every folder the workbench creates (which places a consultant
            # looked at is not everyone's business on a shared PC).
            user_only.make_dir(path.parent)
            tmp = path.with_suffix(f".part{threading.get_ident()}")
            tmp.write_bytes(data)
            os.replace(tmp, path)
            t = self._tick()
            os.utime(path, (t, t))
            index[path] = (t, len(data))
            self._evict(index)

    def _evict(self, index: dict[Path, tuple[float, int]]) -> None:
        total = sum(s for _, s in index.values())
        if total <= self.max_bytes:
            return
        for path, (_, size) in sorted(index.items(), key=lambda kv: kv[1][0]):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
            index.pop(path, None)
            total -= size

    def clear(self) -> None:
        with self._lock:
            for path in list(self._load_index()):
                with contextlib.suppress(OSError):
                    path.unlink()
            self._index = {}


def default_tile_root() -> Path:
    from workbench.core.paths import user_data_dir

    return user_data_dir() / "tiles"


@dataclass(frozen=True)
class TileProblem:
    """Why the basemap service stopped answering with tiles, for one line in the UI/CLI.

    ``kind``: ``refused`` (no or a wrong token: HTTP 401/403, or Dataforsyningen's OWS
    exception "User not authorized" answered with HTTP 200) or ``moved`` (HTTP 410);
    ``detail``: the service's own words or the status; ``setting``: what to change.
    """

    kind: str
    detail: str
    setting: str


TOKEN_SETTING = "[basemap] token (WORKBENCH__BASEMAP__TOKEN)"
URL_SETTING = "[basemap] url"
_REFUSAL = re.compile(r"(?i)not\s+authori[sz]ed|unauthori[sz]ed|forbidden|access denied|token")


def ows_exception_text(body: bytes) -> str | None:
    """The text of an OWS/WMTS ``ExceptionReport`` (or ``ServiceExceptionReport``) body, else
    None. Services answer errors like this, sometimes with HTTP 200."""
    head = body[:512].lstrip()
    if not head.startswith(b"<") or b"Exception" not in body[:4096]:
        return None
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    if not root.tag.rsplit("}", 1)[-1].endswith("ExceptionReport"):
        return None
    texts = [
        " ".join((el.text or "").split())
        for el in root.iter()
        if el.tag.rsplit("}", 1)[-1] in ("ExceptionText", "ServiceException")
    ]
    return "; ".join(t for t in texts if t) or "ExceptionReport"


class TileFetcher:
    """Cache first, then the network (requests, with the token and a timeout). Failures
    return None and are remembered for ``retry_after_s`` so an offline map does not hammer
    the network; call from a background thread only."""

    def __init__(
        self,
        service: TileService,
        cache: TileCache,
        *,
        timeout_s: float = 10.0,
        user_agent: str = "Jobkort-workbench/0.1",
        retry_after_s: float = 60.0,
        session=None,
    ) -> None:
        import requests

        self.service = service
        self.cache = cache
        self.timeout_s = float(timeout_s)
        self.retry_after_s = float(retry_after_s)
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", user_agent)
        self.session.headers.update(service.headers())
        self._failed: dict[tuple[int, int, int], float] = {}
        self.network_requests = 0
        # Set once when the service refuses us or has moved: no more network requests then
        # (every tile would fail alike); ``on_problem`` is called once with it.
        self.problem: TileProblem | None = None
        self.on_problem: Callable[[TileProblem], None] | None = None
        self._problem_lock = threading.Lock()

    def cached(self, level: int, row: int, col: int) -> bytes | None:
        return self.cache.get(level, row, col)

    def fetch(self, level: int, row: int, col: int) -> bytes | None:
        data = self.cache.get(level, row, col)
        if data is not None:
            return data
        if self.problem is not None:
            return None
        key = (level, row, col)
        failed_at = self._failed.get(key)
        if failed_at is not None and time.monotonic() - failed_at < self.retry_after_s:
            return None
        import requests

        self.network_requests += 1
        try:
            resp = self.session.get(self.service.tile_url(level, row, col), timeout=self.timeout_s)
        except requests.RequestException:
            self._failed[key] = time.monotonic()
            return None
        ctype = resp.headers.get("Content-Type", "")
        if resp.status_code != 200 or not resp.content or not ctype.startswith("image/"):
            self._failed[key] = time.monotonic()
            self._check_problem(resp.status_code, resp.content or b"")
            return None
        self.cache.put(level, row, col, resp.content)
        self._failed.pop(key, None)
        return resp.content

    def _check_problem(self, status: int, body: bytes) -> None:
        """Remember (once) a refusal or a moved service; other failures stay per tile."""
        problem = None
        if status in (401, 403):
            problem = TileProblem("refused", f"HTTP {status}", TOKEN_SETTING)
        elif status == 410:
            problem = TileProblem("moved", f"HTTP {status}", URL_SETTING)
        else:
            text = ows_exception_text(body)
            if text is not None and _REFUSAL.search(text):
                problem = TileProblem("refused", text, TOKEN_SETTING)
        if problem is None:
            return
        with self._problem_lock:
            if self.problem is not None:
                return
            self.problem = problem
        log.info("basemap: %s (%s): check %s", problem.kind, problem.detail, problem.setting)
        if self.on_problem is not None:
            self.on_problem(problem)

    def close(self) -> None:
        self.session.close()


def iter_levels(ms: TileMatrixSet = VIEW1) -> Iterator[tuple[int, float]]:
    for z in range(ms.levels):
        yield z, ms.resolution(z)
