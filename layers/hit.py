"""Hit testing: which point did the user click? Vectorised over all points of a layer."""

from __future__ import annotations

import numpy as np


def nearest_point(
    x: np.ndarray,
    y: np.ndarray,
    click: tuple[float, float],
    *,
    units_per_pixel: tuple[float, float],
    tolerance_px: float = 6.0,
    candidates: np.ndarray | None = None,
) -> int:
    """Index of the point nearest to ``click`` within ``tolerance_px`` screen pixels, or -1.

    ``units_per_pixel`` is the size of one screen pixel in data units (x, y), so the
    tolerance stays the same on screen at every zoom. Points with NaN coordinates never hit.
    ``candidates`` optionally restricts the search to these indices (e.g. visible points).
    """
    if x.shape[0] == 0:
        return -1
    cx, cy = click
    sx, sy = (abs(float(v)) or 1.0 for v in units_per_pixel)
    # A box test first keeps the distance computation to a few points.
    rx, ry = tolerance_px * sx, tolerance_px * sy
    box = (x >= cx - rx) & (x <= cx + rx) & (y >= cy - ry) & (y <= cy + ry)
    if candidates is not None:
        keep = np.zeros(x.shape[0], dtype=bool)
        keep[candidates] = True
        box &= keep
    idx = np.flatnonzero(box)
    if idx.size == 0:
        return -1
    d2 = ((x[idx] - cx) / sx) ** 2 + ((y[idx] - cy) / sy) ** 2
    best = int(np.argmin(d2))
    if d2[best] > tolerance_px * tolerance_px:
        return -1
    return int(idx[best])
