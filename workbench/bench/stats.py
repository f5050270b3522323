"""Median and p95 of repeated timings, the shape every measure of the suite reports."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile (no interpolation: a value that was measured)."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(p / 100 * (len(s) - 1))))
    return float(s[k])


def summary(values: Sequence[float]) -> dict[str, float | int] | None:
    """``{"median", "p95", "n"}`` of ``values`` rounded to 0.1; None when nothing was measured."""
    if not values:
        return None
    return {
        "median": round(float(statistics.median(values)), 1),
        "p95": round(percentile(values, 95), 1),
        "n": len(values),
    }
