"""Point layers (candidates, companies): arrays, style and the level-of-detail decision.

A layer holds the matches of the current filter as numpy arrays in display order, so the
index of a point is also its row in the result table. Above ``density_threshold`` visible
points the view draws a density raster (:func:`bin_density`) instead of single points:
binning 1M points with ``np.bincount`` takes ~20 ms where a scatter item needs seconds.

Pure numpy; the pyqtgraph item that draws it lives in ``workbench.qt.map``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Extent = tuple[float, float, float, float]  # xmin, ymin, xmax, ymax (EPSG:25832 metres)
Detail = Literal["points", "density"]

DEFAULT_DENSITY_THRESHOLD = 20_000
DENSITY_CELL_PX = 3  # screen pixels per density bin, at every zoom
DENSITY_RADIUS = 2  # blur reach in bins (gaussian, sigma one bin)
CHUNK = 1 << 15  # points per block of the per-point passes: their scratch stays in cache


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
    """Whether each point lies in ``extent`` (edges included; NaN never does). In blocks of
    ``CHUNK`` points, so the scratch mask stays in cache (1M points: see ``_cell_index``)."""
    xmin, ymin, xmax, ymax = extent
    n = x.size
    out = np.empty(n, dtype=bool)
    step = min(n, CHUNK) or 1
    scratch = np.empty(step, dtype=bool)
    for s in range(0, n, step):
        e = min(n, s + step)
        m, t = out[s:e], scratch[: e - s]
        np.greater_equal(x[s:e], xmin, out=m)
        m &= np.less_equal(x[s:e], xmax, out=t)
        m &= np.greater_equal(y[s:e], ymin, out=t)
        m &= np.less_equal(y[s:e], ymax, out=t)
    return out


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


def density_index(grid: np.ndarray) -> np.ndarray:
    """Smoothed counts to LUT indices 0..255 on a log scale; 0 only where nothing is near
    (the blur's tails below a hundredth of a point stay transparent)."""
    top = float(grid.max()) if grid.size else 0.0
    out = np.zeros(grid.shape, dtype=np.uint8)
    if top <= 0:
        return out
    nz = grid > 0.01
    lv = np.log1p(grid[nz]) / np.log1p(top)
    out[nz] = np.clip(np.rint(1 + lv * 254), 1, 255).astype(np.uint8)
    return out


# -- rendering a layer for a view (pure numpy; runs off the GUI thread) ----------------------


def make_sprite(
    size: float,
    symbol: str,
    fill: tuple[int, int, int, int],
    outline: tuple[int, int, int, int] = (255, 255, 255, 200),
    outline_px: float = 1.0,
) -> np.ndarray:
    """An antialiased (s, s, 4) uint8 RGBA symbol: 'o' disc, 's' square, 't' triangle.
    Row 0 is the southern edge (as in the map's rasters)."""
    s = max(3, round(size) | 1)  # odd: centred on the point's pixel
    r = s / 2.0
    yy, xx = np.mgrid[0:s, 0:s] + 0.5 - r
    if symbol == "s":
        # edges on pixel boundaries: a crisp square and a whole-pixel outline (half-covered
        # edge pixels washed a 5 px company square out to a blur)
        d = np.maximum(np.abs(xx), np.abs(yy)) - r
    elif symbol == "t":
        # upward triangle (y grows northwards): inside if below the two slanted edges
        h = r - 0.5
        d = np.maximum.reduce([-yy - h, (yy + 2 * np.abs(xx)) - h]) / 1.2
    else:
        d = np.hypot(xx, yy) - (r - 0.5)
    inner = np.clip(-(d + outline_px) + 0.5, 0, 1)  # fill coverage
    shape = np.clip(-d + 0.5, 0, 1)  # fill + outline coverage
    fill_a = inner * fill[3] / 255.0
    ring_a = (shape - inner) * outline[3] / 255.0
    alpha = fill_a + ring_a
    out = np.zeros((s, s, 4), dtype=np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        for ch in range(3):
            out[..., ch] = np.where(
                alpha > 0, (fill[ch] * fill_a + outline[ch] * ring_a) / alpha, 0
            )
    out[..., 3] = np.clip(alpha, 0, 1) * 255
    return np.round(out).astype(np.uint8)


def splat(canvas: np.ndarray, px: np.ndarray, py: np.ndarray, sprite: np.ndarray) -> None:
    """Draw ``sprite`` centred on integer pixels (px, py) into the (h, w, 4) uint8 ``canvas``
    with alpha blending ("over"). Vectorised per sprite pixel, not per point.

    Points on the same pixel are drawn once: within one sprite pixel's pass duplicates
    would read the same destination and write the same value, so the image is identical.
    Sprites entirely inside the canvas take a flat-index fast path (one add per pass)."""
    h, w = canvas.shape[:2]
    s = sprite.shape[0]
    half = s // 2
    flat = canvas.reshape(-1, 4)
    # one uint32 per pixel for the gathers and scatters (4x fewer index operations)
    flat32 = canvas.view(np.uint32).reshape(-1) if canvas.flags.c_contiguous else None
    px = np.asarray(px, dtype=np.int64)
    py = np.asarray(py, dtype=np.int64)
    if px.size == 0:
        return
    inside = (px >= 0) & (px < w) & (py >= 0) & (py < h)
    # duplicates: same pixel, same sprite, same passes (points outside keep their own path)
    key = np.where(inside, py * w + px, -1)
    uniq = np.unique(key[inside])
    outside = ~inside
    px_out, py_out = px[outside], py[outside]
    lo_x, hi_x = half, w - 1 - (s - 1 - half)
    lo_y, hi_y = half, h - 1 - (s - 1 - half)
    ux, uy = uniq % w, uniq // w
    full = (ux >= lo_x) & (ux <= hi_x) & (uy >= lo_y) & (uy <= hi_y)
    base = uniq[full]
    px_b = np.concatenate([ux[~full], px_out])  # sprites cut by the edge
    py_b = np.concatenate([uy[~full], py_out])
    for dy in range(s):
        for dx in range(s):
            rgba = sprite[dy, dx]
            a = int(rgba[3])
            if a == 0:
                continue
            idx = base + ((dy - half) * w + (dx - half))
            if px_b.size:
                tx = px_b + (dx - half)
                ty = py_b + (dy - half)
                ok = (tx >= 0) & (tx < w) & (ty >= 0) & (ty < h)
                idx = np.concatenate([idx, ty[ok] * w + tx[ok]])
            if a == 255:
                flat[idx] = rgba
            elif flat32 is not None:
                # "over" depends only on the destination's channel value: a 256-entry table
                # per channel, computed with the same float arithmetic as blending each pixel
                dst = flat32[idx].view(np.uint8).reshape(-1, 4)
                flat32[idx] = _over_table(rgba)[dst, _CHANNELS].view(np.uint32).reshape(-1)
            else:
                flat[idx] = _over_table(rgba)[flat[idx], _CHANNELS]


_CHANNELS = np.arange(4)
_LEVELS = np.repeat(np.arange(256, dtype=np.float32)[:, None], 4, axis=1)


def _over_table(rgba: np.ndarray) -> np.ndarray:
    """(256, 4) uint8: the result of drawing ``rgba`` over each destination channel value."""
    a = int(rgba[3])
    f = a / 255.0
    out = np.empty_like(_LEVELS)
    out[:, :3] = rgba[:3] * f + _LEVELS[:, :3] * (1 - f)
    out[:, 3] = a + _LEVELS[:, 3] * (1 - f)
    return out.astype(np.uint8)


@dataclass
class Frame:
    """What a point layer shows for one view: an RGBA raster over ``extent`` (points splatted
    or density cells), the level of detail and the indices drawn as single points."""

    extent: Extent
    detail: Detail
    image: np.ndarray  # (h, w, 4) uint8, row 0 = southern edge
    visible: int  # placed points inside the extent
    indices: np.ndarray  # drawn as points (empty for density)
    class_counts: np.ndarray | None = None  # points per style class among the visible


def density_cell_m(metres_per_px: float, cell_px: float = DENSITY_CELL_PX) -> float:
    """Bin size in metres for a zoom: ``cell_px`` screen pixels per bin at every zoom, so the
    raster is as fine zoomed in as zoomed out (a fixed size in metres is blocky up close)."""
    return max(float(metres_per_px) * float(cell_px), 1e-9)


def density_grid(
    x: np.ndarray, y: np.ndarray, extent: Extent, cell_m: float, *, smooth: bool = True
) -> tuple[np.ndarray, Extent]:
    """Smoothed counts on a grid of ``cell_m`` cells covering ``extent``, and the grid's extent.

    The grid is aligned to multiples of ``cell_m`` (not to the view), so panning keeps every
    point in its bin and the raster does not shimmer. Points up to the blur's reach outside
    the extent are binned too: their blur reaches into the view and the edges stay smooth.
    Row 0 is the southern edge."""
    r = DENSITY_RADIUS if smooth else 0
    (gx0, gy0, nx, ny), reach = _grid_geometry(extent, cell_m, r)
    near = in_extent(x, y, reach)
    grid = _binned(x[near], y[near], reach, cell_m, (ny + 2 * r, nx + 2 * r))
    if r:
        grid = blur(grid, r)[r : r + ny, r : r + nx]
    return grid, (gx0, gy0, gx0 + nx * cell_m, gy0 + ny * cell_m)


def _grid_geometry(
    extent: Extent, cell_m: float, radius: int
) -> tuple[tuple[float, float, int, int], Extent]:
    """(x0, y0, nx, ny) of the aligned grid over ``extent`` and the extent binned for it
    (the grid and ``radius`` cells of margin on every side)."""
    xmin, ymin, xmax, ymax = extent
    c = float(cell_m)
    gx0, gy0 = np.floor(xmin / c) * c, np.floor(ymin / c) * c
    nx = max(1, int(np.ceil((xmax - gx0) / c - 1e-9)))
    ny = max(1, int(np.ceil((ymax - gy0) / c - 1e-9)))
    m = radius * c
    return (gx0, gy0, nx, ny), (gx0 - m, gy0 - m, gx0 + nx * c + m, gy0 + ny * c + m)


def _binned(xs: np.ndarray, ys: np.ndarray, reach: Extent, c: float, shape: tuple[int, int]):
    """float32 counts per cell of ``shape`` over ``reach``; every point lies inside it.
    Overwrites ``xs`` and ``ys`` (fresh copies at every call site: fewer 8 MB temporaries
    for a million points)."""
    h, w = shape
    xs -= reach[0]
    xs *= 1.0 / c
    ys -= reach[1]
    ys *= 1.0 / c
    ix = xs.astype(np.int64)  # >= 0: truncation is floor
    iy = ys.astype(np.int64)
    np.minimum(ix, w - 1, out=ix)  # a point on the far edge
    np.minimum(iy, h - 1, out=iy)
    iy *= w
    iy += ix
    return np.bincount(iy, minlength=w * h).reshape(h, w).astype(np.float32)


def blur(grid: np.ndarray, radius: int = 2) -> np.ndarray:
    """Separable gaussian (sigma = radius / 2 cells, cut at ``radius``) on a 2D array; keeps
    the total. Cells further than ``radius`` from every point stay exactly 0 (transparent)."""
    if radius <= 0:
        return grid
    d = np.arange(-radius, radius + 1, dtype=np.float32)
    k = np.exp(-0.5 * (d / (radius / 2.0)) ** 2)
    k /= k.sum()
    out = grid
    for axis in (0, 1):
        padded = np.pad(out, [(radius, radius) if a == axis else (0, 0) for a in (0, 1)])
        n = out.shape[axis]
        acc = np.zeros_like(out)
        for i, wgt in enumerate(k):
            sl = padded[i : i + n] if axis == 0 else padded[:, i : i + n]
            acc += wgt * sl
        out = acc
    return out


def _binned_masked(
    x: np.ndarray,
    y: np.ndarray,
    mask: np.ndarray,
    reach: Extent,
    c: float,
    shape: tuple[int, int],
) -> np.ndarray:
    """Like :func:`_binned` for the points where ``mask`` holds (inside ``reach``), without
    gathering them: points outside go to a spare bin that is dropped."""
    h, w = shape
    idx = _cell_index(x, y, reach, c, shape, mask)
    return np.bincount(idx, minlength=w * h + 1)[: w * h].reshape(h, w).astype(np.float32)


def _binned_inside(
    x: np.ndarray, y: np.ndarray, reach: Extent, c: float, shape: tuple[int, int]
) -> np.ndarray:
    """Like :func:`_binned` for points that all lie inside ``reach``, leaving ``x`` and ``y``
    as they are."""
    h, w = shape
    idx = _cell_index(x, y, reach, c, shape)
    return np.bincount(idx, minlength=w * h).reshape(h, w).astype(np.float32)


def _cell_index(
    x: np.ndarray,
    y: np.ndarray,
    reach: Extent,
    c: float,
    shape: tuple[int, int],
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """The flat cell (row * width + column) of each point in the ``shape`` grid over
    ``reach`` of ``c`` metres; with ``mask``, rows where it is False (and NaN rows) get
    the spare cell ``width * height``. Computed in blocks of ``CHUNK``: over whole 1M-row
    arrays each of the ten steps streamed 8 MB through memory (~20 ms); in blocks the
    scratch stays in cache (~9 ms), with the same arithmetic and so the same cells."""
    h, w = shape
    n = x.size
    out = np.empty(n, dtype=np.int64)
    step = min(n, CHUNK) or 1
    tx, ty = np.empty(step), np.empty(step)
    ix, iy = np.empty(step, np.int64), np.empty(step, np.int64)
    inv = 1.0 / c
    with np.errstate(invalid="ignore"):  # NaN (unplaced) rows: masked to the spare cell
        for s in range(0, n, step):
            e = min(n, s + step)
            k = e - s
            a, b, i, j = tx[:k], ty[:k], ix[:k], iy[:k]
            np.subtract(x[s:e], reach[0], out=a)
            a *= inv
            np.subtract(y[s:e], reach[1], out=b)
            b *= inv
            np.copyto(i, a, casting="unsafe")  # truncation: floor for points inside
            np.copyto(j, b, casting="unsafe")
            if mask is None:
                np.minimum(i, w - 1, out=i)  # a point on the far edge
                np.minimum(j, h - 1, out=j)
            else:  # rows outside: any cell, then moved to the spare
                np.clip(i, 0, w - 1, out=i)
                np.clip(j, 0, h - 1, out=j)
            j *= w
            np.add(j, i, out=out[s:e])
            if mask is not None:
                out[s:e][~mask[s:e]] = w * h
    return out


@dataclass(frozen=True)
class _Placed:
    """Of a layer's arrays: the bounds of its placed points and those points alone."""

    bounds: Extent | None  # None: no point is placed
    x: np.ndarray  # the placed points' coordinates (the arrays themselves when all are)
    y: np.ndarray
    all_placed: bool


_PLACED: OrderedDict[tuple[int, int], tuple[np.ndarray, np.ndarray, _Placed]] = OrderedDict()
_PLACED_LOCK = threading.Lock()  # the frame worker and a synchronous render may both ask
_PLACED_KEPT = 4  # two layers, the current and the previous arrays


def _placed(x: np.ndarray, y: np.ndarray) -> _Placed:
    """The placed points of ``x``/``y`` and their bounds, computed once per pair of arrays
    (by identity: a layer's arrays are replaced, never changed in place) and reused for
    every view of them: a pan or a zoom out to all of Denmark then bins the points without
    testing 1M of them against the view twice (issue #17)."""
    key = (id(x), id(y))
    with _PLACED_LOCK:
        hit = _PLACED.get(key)
        if hit is not None and hit[0] is x and hit[1] is y:
            _PLACED.move_to_end(key)
            return hit[2]
    ok = ~np.isnan(x)
    ok &= ~np.isnan(y)
    n = int(np.count_nonzero(ok))
    if n == x.size:
        px, py = x, y
    else:
        px, py = x[ok], y[ok]
    bounds = (float(px.min()), float(py.min()), float(px.max()), float(py.max())) if n else None
    info = _Placed(bounds, px, py, n == x.size)
    with _PLACED_LOCK:
        _PLACED[key] = (x, y, info)
        while len(_PLACED) > _PLACED_KEPT:
            _PLACED.popitem(last=False)
    return info


def placed_mask(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return ~(np.isnan(x) | np.isnan(y))


def _contains(outer: Extent, inner: Extent) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and outer[2] >= inner[2]
        and outer[3] >= inner[3]
    )


def render_frame(
    x: np.ndarray,
    y: np.ndarray,
    extent: Extent,
    pixels: tuple[int, int],
    *,
    threshold: int,
    density_lut: np.ndarray,
    sprites: list[np.ndarray],
    classes: np.ndarray | None = None,
    cell_px: float = DENSITY_CELL_PX,
) -> Frame:
    """Points (one sprite per style class) up to ``threshold`` visible points, else a smoothed
    density raster of ``cell_px`` screen pixels per cell coloured with ``density_lut``."""
    w, h = max(1, int(pixels[0])), max(1, int(pixels[1]))
    xmin, ymin, xmax, ymax = extent
    cell = density_cell_m((xmax - xmin) / w, cell_px)
    (gx0, gy0, nx, ny), reach = _grid_geometry(extent, cell, DENSITY_RADIUS)
    r = DENSITY_RADIUS
    shape = (ny + 2 * r, nx + 2 * r)
    placed = _placed(x, y) if x.size > threshold else None
    if (
        placed is not None
        and placed.bounds is not None
        and _contains(extent, placed.bounds)
        and placed.x.size > threshold
    ):
        # Every placed point is in view (all of Denmark): no test per point.
        grid = _binned_inside(placed.x, placed.y, reach, cell, shape)
        image = density_lut[density_index(blur(grid, r)[r : r + ny, r : r + nx])]
        gext = (gx0, gy0, gx0 + nx * cell, gy0 + ny * cell)
        counts = None
        if classes is not None:
            n = len(sprites)
            cls = (classes if placed.all_placed else classes[placed_mask(x, y)]).astype(np.int64)
            cls = np.where((cls >= 0) & (cls < n - 1), cls, n - 1)
            counts = np.bincount(cls, minlength=n)
        return Frame(gext, "density", image, placed.x.size, np.empty(0, np.int64), counts)
    # The density grid also counts the points in the blur's margin around the view (reach).
    # Most points near the view (e.g. all of Denmark): work on the whole arrays with masks;
    # few: gather them first. Either way about as fast as binning the view alone was.
    near_mask = in_extent(x, y, reach)
    dense = 2 * int(np.count_nonzero(near_mask)) > x.size
    if dense:
        inside = in_extent(x, y, extent)
    else:
        near = np.flatnonzero(near_mask)
        xs, ys = x[near], y[near]
        inside = in_extent(xs, ys, extent)
    visible = int(np.count_nonzero(inside))
    counts = None
    if classes is not None:
        n = len(sprites)
        cls = (classes[inside] if dense else classes[near][inside]).astype(np.int64)
        cls = np.where((cls >= 0) & (cls < n - 1), cls, n - 1)
        counts = np.bincount(cls, minlength=n)
    if visible > threshold:
        if dense:
            grid = _binned_masked(x, y, near_mask, reach, cell, shape)
        else:
            grid = _binned_inside(xs, ys, reach, cell, shape)
        image = density_lut[density_index(blur(grid, r)[r : r + ny, r : r + nx])]
        gext = (gx0, gy0, gx0 + nx * cell, gy0 + ny * cell)
        return Frame(gext, "density", image, visible, np.empty(0, np.int64), counts)
    idx = np.flatnonzero(inside) if dense else near[inside]
    image = np.zeros((h, w, 4), dtype=np.uint8)
    if visible:
        px = ((x[idx] - xmin) * (w / (xmax - xmin))).astype(np.int64)
        py = ((y[idx] - ymin) * (h / (ymax - ymin))).astype(np.int64)
        if classes is None:
            splat(image, px, py, sprites[0])
        else:
            # most common classes first, so rare ones stay visible on top
            for c in np.argsort(-counts, kind="stable"):
                sel = cls == c
                if sel.any():
                    splat(image, px[sel], py[sel], sprites[int(c)])
    return Frame(extent, "points", image, visible, idx, counts)


def density_lut(color: tuple[int, int, int, int]) -> np.ndarray:
    """256 RGBA entries: transparent for empty cells, then the layer's own hue from a light,
    see-through tint to a deep, nearly opaque tone. The colour stays saturated all the way:
    a ramp towards white over a half-transparent veil made sparse areas look grey and murky
    on the map; here sparse areas are faint by their alpha, not by washing out the colour."""
    rgb = np.array(color[:3], dtype=np.float64)
    t = np.linspace(0.0, 1.0, 255)[:, None]
    light = rgb + (255.0 - rgb) * 0.3  # a lighter tint of the same hue
    deep = rgb * 0.8  # a deeper tone of the same hue
    lo, hi = np.minimum(t / 0.6, 1.0), np.clip((t - 0.6) / 0.4, 0.0, 1.0)
    tone = light + (rgb - light) * lo + (deep - rgb) * hi
    lut = np.zeros((256, 4), dtype=np.uint8)
    lut[1:, :3] = np.rint(tone).astype(np.uint8)
    # alpha rises steeply: sparse areas stay nearly clear (the areas and the layer below
    # show through), the concentrations stand out in full colour
    lut[1:, 3] = np.rint(25 + 215 * t[:, 0] ** 1.3).astype(np.uint8)
    return lut
