"""The basemap: WMTS tiles drawn under everything, loaded in the background.

:class:`TileLoader` fetches tiles on a small thread pool (cache first, then the network via
:class:`workbench.layers.tiles.TileFetcher`); the bytes arrive in the GUI thread, which
decodes them (~1 ms a tile). Decoding with Qt on a worker could deadlock: QImage takes Qt's
plugin-loader lock there, and a Qt message handled in Python then waits for the GIL that the
GUI thread holds while it waits for the same lock (building a menu, say). Requests for a view replace the previous view's pending
requests, so panning never queues up stale downloads. Without a configured service, or
offline, the map simply shows what is cached (or nothing) - never an error.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Signal
from PySide6.QtGui import QImage, QPainter

from workbench.layers.tiles import TileFetcher, TileMatrixSet

TileKey = tuple[int, int, int]  # level, row, col


class TileLoader(QObject):
    tileLoaded = Signal(object, object)  # key, QImage
    _fetched = Signal(object, object)  # key, bytes or None: worker -> GUI thread
    idleChanged = Signal(bool)
    # Once per loader: the service refused us or has moved (a layers.tiles.TileProblem).
    problemFound = Signal(object)

    def __init__(self, fetcher: TileFetcher, parent: QObject | None = None, workers: int = 2):
        super().__init__(parent)
        self.fetcher = fetcher
        fetcher.on_problem = self.problemFound.emit  # from a worker thread: queued to the GUI
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tiles")
        self._lock = threading.Lock()
        self._wanted: set[TileKey] = set()
        self._inflight: set[TileKey] = set()
        self._closed = False
        self.failed: set[TileKey] = set()
        self._fetched.connect(self._decode)  # queued: the loader lives in the GUI thread

    def request(self, keys: list[TileKey]) -> None:
        """Load ``keys`` (in order); tiles no longer wanted are skipped when their turn comes."""
        with self._lock:
            if self._closed:
                return
            self._wanted = set(keys)
            todo = [k for k in keys if k not in self._inflight]
            self._inflight.update(todo)
        for key in todo:
            self._pool.submit(self._load, key)

    def pending(self) -> int:
        with self._lock:
            return len(self._inflight)

    def _load(self, key: TileKey) -> None:
        data: bytes | None = None
        try:
            with self._lock:
                if self._closed or key not in self._wanted:
                    self._inflight.discard(key)
                    return
            data = self.fetcher.fetch(*key)
        except Exception:  # a broken tile must never break the map
            data = None
        self._fetched.emit(key, data)

    def _decode(self, key: TileKey, data: bytes | None) -> None:
        """In the GUI thread: the tile's image (a failed one: empty), then ``tileLoaded``."""
        try:
            image = QImage.fromData(data) if data else QImage()
            if not image.isNull():
                image = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        except Exception:  # a broken tile must never break the map
            image = QImage()
        if image.isNull():
            self.failed.add(key)
        with self._lock:
            self._inflight.discard(key)
            closed = self._closed
        if not closed:
            self.tileLoaded.emit(key, image)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._wanted = set()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.fetcher.close()


class BasemapItem(pg.GraphicsObject):
    """Tiles of the current level (and coarser ones already loaded as a fallback), drawn in
    data coordinates. Holds at most ``max_tiles`` decoded tiles in memory."""

    def __init__(self, matrix_set: TileMatrixSet, max_tiles: int = 400) -> None:
        super().__init__()
        self.ms = matrix_set
        self.max_tiles = max_tiles
        self.tiles: dict[TileKey, QImage] = {}
        self.level = 0
        self.wanted: list[TileKey] = []
        xmin, ymin, xmax, ymax = matrix_set.extent()
        self._rect = QRectF(xmin, ymin, xmax - xmin, ymax - ymin)
        self.setZValue(-30)

    def boundingRect(self) -> QRectF:
        return self._rect

    def set_view(self, level: int, keys: list[TileKey]) -> list[TileKey]:
        """The tiles of the view; returns those still to load."""
        self.level = level
        self.wanted = keys
        self.update()
        return [k for k in keys if k not in self.tiles]

    def add_tile(self, key: TileKey, image: QImage) -> None:
        if image.isNull():
            return
        self.tiles[key] = image
        if len(self.tiles) > self.max_tiles:
            keep = set(self.wanted)
            for k in list(self.tiles):
                if len(self.tiles) <= self.max_tiles:
                    break
                if k not in keep:
                    del self.tiles[k]
        self.update()

    def shown(self) -> int:
        """Tiles of the current view that are loaded."""
        return sum(1 for k in self.wanted if k in self.tiles)

    def paint(self, painter: QPainter, *args: object) -> None:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        wanted = set(self.wanted)
        # coarser tiles first (fallback while finer ones load), then the current level
        for key in sorted(self.tiles, key=lambda k: k[0]):
            z = key[0]
            if z == self.level and key not in wanted:
                continue
            if z > self.level:
                continue
            xmin, ymin, xmax, ymax = self.ms.tile_bounds(*key)
            # image row 0 is the north edge; the view's y grows upwards: flip when drawing
            painter.save()
            painter.translate(xmin, ymax)
            painter.scale((xmax - xmin) / self.ms.tile_px, -(ymax - ymin) / self.ms.tile_px)
            painter.drawImage(0, 0, self.tiles[key])
            painter.restore()
