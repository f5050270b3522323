"""Point layers (candidates, companies): arrays, style and the level-of-detail decision.

A layer holds the matches of the current filter as numpy arrays in display order, so the
index of a point is also its row in the result table. Above ``density_threshold`` visible
points the view draws a density raster (:func:`bin_density`) instead of single points:
binning 1M points with ``np.bincount`` takes ~20 ms where a scatter item needs seconds.

Pure numpy; the pyqtgraph item that draws it lives in ``workbench.qt.map``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Extent = tuple[float, float, float, float]  # xmin, ymin, xmax, ymax (EPSG:25832 metres)
Detail = Literal["points", "density"]

DEFAULT_DENSITY_THRESHOLD = 20_000


@dataclass(frozen=True)
class PointStyle:
    """How a layer looks: RGBA colour (0-255), symbol size in pixels, symbol name."""

    color: tuple[int, int, int, int] = (31, 119, 180, 220)
    size: float = 6.0
    symbol: str = "o"
    outline: tuple[int, int, int, int] = (255, 255, 255, 200)


@dataclass
class PointLayerModel:
    """The points of one layer. ``x``/``y`` may hold NaN for rows without a place."""

    name: str
    style: PointStyle = field(default_factory=PointStyle)
    rid: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    x: np.ndarray = field(default_factory=lambda: np.empty(0, np.float64))
    y: np.ndarray = field(default_factory=lambda: np.empty(0, np.float64))
    visible: bool = True
    crs: str = "EPSG:25832"

    def set_points(self, rid: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
        rid = np.asarray(rid, dtype=np.int64)
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if not (rid.shape == x.shape == y.shape):
            raise ValueError("rid, x and y must have the same length")
        self.rid, self.x, self.y = rid, x, y

    def __len__(self) -> int:
        return int(self.rid.shape[0])

    def placed_mask(self) -> np.ndarray:
        return np.isfinite(self.x) & np.isfinite(self.y)

    def visible_mask(self, extent: Extent | None) -> np.ndarray:
        """Points with a place inside ``extent`` (all placed points when None)."""
        if extent is None:
            return self.placed_mask()
        return in_extent(self.x, self.y, extent)

    def visible_count(self, extent: Extent | None) -> int:
        return int(np.count_nonzero(self.visible_mask(extent)))

    def detail(self, extent: Extent | None, threshold: int = DEFAULT_DENSITY_THRESHOLD) -> Detail:
        return level_of_detail(self.visible_count(extent), threshold)

    def index_of(self, rid: int) -> int:
        """Position (= table row) of the point with key ``rid``; -1 if not in the layer."""
        hits = np.flatnonzero(self.rid == int(rid))
        return int(hits[0]) if hits.size else -1

    def bounds(self) -> Extent | None:
        mask = self.placed_mask()
        if not mask.any():
            return None
        x, y = self.x[mask], self.y[mask]
        return float(x.min()), float(y.min()), float(x.max()), float(y.max())


def level_of_detail(visible: int, threshold: int = DEFAULT_DENSITY_THRESHOLD) -> Detail:
    """Single points up to ``threshold`` visible points, a density raster above."""
    return "density" if visible > threshold else "points"


def in_extent(x: np.ndarray, y: np.ndarray, extent: Extent) -> np.ndarray:
    xmin, ymin, xmax, ymax = extent
    # NaN compares False, so unplaced rows are never inside.
    return (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)


def bin_density(x: np.ndarray, y: np.ndarray, extent: Extent, shape: tuple[int, int]) -> np.ndarray:
    """Count points per cell of a ``shape`` = (ny, nx) grid over ``extent``.

    Row 0 is the southern edge (``ymin``): row index grows with y, as in the map's data
    coordinates. Points outside the extent or without a place are not counted; a point on
    the max edge counts in the last cell.
    """
    ny, nx = int(shape[0]), int(shape[1])
    if ny <= 0 or nx <= 0:
        raise ValueError("shape must be positive")
    xmin, ymin, xmax, ymax = extent
    if not (xmax > xmin and ymax > ymin):
        return np.zeros((ny, nx), dtype=np.int64)
    mask = in_extent(x, y, extent)
    xs = x[mask]
    ys = y[mask]
    ix = ((xs - xmin) * (nx / (xmax - xmin))).astype(np.int64)
    iy = ((ys - ymin) * (ny / (ymax - ymin))).astype(np.int64)
    np.minimum(ix, nx - 1, out=ix)
    np.minimum(iy, ny - 1, out=iy)
    flat = np.bincount(iy * nx + ix, minlength=nx * ny)
    return flat.reshape(ny, nx)


def density_levels(counts: np.ndarray) -> np.ndarray:
    """Counts to 0..1 on a log scale (0 stays 0), for colouring the raster."""
    out = np.zeros(counts.shape, dtype=np.float32)
    top = counts.max() if counts.size else 0
    if top <= 0:
        return out
    nz = counts > 0
    out[nz] = (np.log1p(counts[nz]) / np.log1p(top)).astype(np.float32)
    return out
