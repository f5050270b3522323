"""Choropleth of municipalities: a statistic per area, classes, colours and legend. No Qt.

Counts below :data:`SUPPRESS_BELOW` are suppressed (privacy: aggregated views never show
fewer than 5 people); a suppressed area is drawn in a neutral colour and listed as such in the
legend. The statistic comes from ``unemployment_stats`` (statbank/jobindsats plugins) and,
when that table is empty (demo caches), from the cache itself; the core reads it
(``workbench.core.layer_data.statistic``) and this model takes the arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

SUPPRESS_BELOW = 5
Method = Literal["quantile", "equal", "natural"]
METHODS: tuple[Method, ...] = ("quantile", "equal", "natural")

# ColorBrewer-like sequential blues, light to dark (5 classes; fewer take a spread subset)
RAMP: tuple[tuple[int, int, int], ...] = (
    (239, 243, 255),
    (189, 215, 231),
    (107, 174, 214),
    (49, 130, 189),
    (8, 81, 156),
)
SUPPRESSED_COLOR = (205, 205, 205)
NO_DATA_COLOR = (246, 243, 236)


def class_breaks(values: np.ndarray, k: int = 5, method: Method = "quantile") -> np.ndarray:
    """Upper class limits (ascending, ``len <= k``, the last is the maximum) of the finite
    ``values``. Duplicate limits collapse, so constant data gives one class."""
    v = np.asarray(values, dtype=np.float64)
    v = np.sort(v[np.isfinite(v)])
    if v.size == 0:
        return np.empty(0)
    k = max(1, int(k))
    if method == "quantile":
        qs = np.quantile(v, np.linspace(0, 1, k + 1)[1:])
    elif method == "equal":
        qs = np.linspace(v[0], v[-1], k + 1)[1:]
    elif method == "natural":
        qs = _jenks(v, k)
    else:
        raise ValueError(f"unknown classification {method!r}; use one of {', '.join(METHODS)}")
    qs[-1] = v[-1]
    return np.unique(qs)


def _jenks(v: np.ndarray, k: int) -> np.ndarray:
    """Fisher-Jenks optimal breaks (minimal within-class variance) by dynamic programming on
    at most 500 distinct values (municipalities: ~98)."""
    u = np.unique(v)
    if u.size <= k:
        return u.astype(np.float64)
    if u.size > 500:
        u = np.quantile(v, np.linspace(0, 1, 500))
    n = u.size
    cs = np.concatenate([[0.0], np.cumsum(u)])
    cs2 = np.concatenate([[0.0], np.cumsum(u * u)])

    def sse(i: int, j: int) -> float:  # values u[i:j]
        s = cs[j] - cs[i]
        return float(cs2[j] - cs2[i] - s * s / (j - i))

    cost = np.full((k + 1, n + 1), np.inf)
    back = np.zeros((k + 1, n + 1), dtype=np.int64)
    cost[0, 0] = 0.0
    for c in range(1, k + 1):
        for j in range(c, n + 1):
            best, arg = np.inf, c - 1
            for i in range(c - 1, j):
                val = cost[c - 1, i] + sse(i, j)
                if val < best:
                    best, arg = val, i
            cost[c, j], back[c, j] = best, arg
    ends = []
    j = n
    for c in range(k, 0, -1):
        ends.append(u[j - 1])
        j = int(back[c, j])
    return np.asarray(sorted(ends), dtype=np.float64)


def classify(values: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """Class index per value (0-based, value <= limit), -1 for NaN."""
    v = np.asarray(values, dtype=np.float64)
    idx = np.searchsorted(breaks, v, side="left")
    idx = np.minimum(idx, max(0, len(breaks) - 1))
    idx[~np.isfinite(v)] = -1
    return idx.astype(np.int64)


def ramp(n: int) -> list[tuple[int, int, int]]:
    if n <= 0:
        return []
    pick = np.round(np.linspace(0, len(RAMP) - 1, n)).astype(int) if n > 1 else [len(RAMP) // 2]
    return [RAMP[i] for i in pick]


@dataclass(frozen=True)
class LegendEntry:
    color: tuple[int, int, int]
    label: str
    count: int = 0  # areas in the class


@dataclass
class Choropleth:
    """A statistic per municipality code, classified for drawing."""

    title: str
    codes: list[str]
    values: np.ndarray  # float; NaN = no data
    suppressed: np.ndarray  # bool: count below the limit, value hidden
    breaks: np.ndarray = field(default_factory=lambda: np.empty(0))
    method: Method = "quantile"
    unit: str = ""
    source: str = ""

    @classmethod
    def build(
        cls,
        title: str,
        codes: list[str],
        values: np.ndarray,
        *,
        counts: np.ndarray | None = None,
        k: int = 5,
        method: Method = "quantile",
        unit: str = "",
        source: str = "",
    ) -> Choropleth:
        """``counts`` are the numbers of people behind each value (the value itself when it
        is a count); areas with fewer than 5 are suppressed and do not shape the classes."""
        vals = np.asarray(values, dtype=np.float64).copy()
        cnt = vals if counts is None else np.asarray(counts, dtype=np.float64)
        suppressed = np.isfinite(cnt) & (cnt < SUPPRESS_BELOW)
        vals[suppressed] = np.nan
        breaks = class_breaks(vals, k, method)
        return cls(title, list(codes), vals, suppressed, breaks, method, unit, source)

    def class_index(self) -> np.ndarray:
        return classify(self.values, self.breaks)

    def colors(self) -> list[tuple[int, int, int]]:
        """A colour per area (suppressed grey, no data neutral)."""
        pal = ramp(len(self.breaks))
        out = []
        for i, s in zip(self.class_index(), self.suppressed, strict=True):
            out.append(SUPPRESSED_COLOR if s else NO_DATA_COLOR if i < 0 else pal[i])
        return out

    def value_of(self, code: str) -> float | None:
        try:
            v = self.values[self.codes.index(code)]
        except ValueError:
            return None
        return None if not np.isfinite(v) else float(v)

    def legend(
        self,
        *,
        fmt=lambda v: f"{v:,.1f}",
        suppressed_label: str = "< 5 (skjult)",
        no_data_label: str = "Ingen data",
    ) -> list[LegendEntry]:
        pal = ramp(len(self.breaks))
        idx = self.class_index()
        finite = self.values[np.isfinite(self.values)]
        lo = float(finite.min()) if finite.size else 0.0
        entries = []
        for i, upper in enumerate(self.breaks):
            lower = lo if i == 0 else float(self.breaks[i - 1])
            label = f"{fmt(lower)} – {fmt(float(upper))}"
            entries.append(LegendEntry(pal[i], label, int(np.count_nonzero(idx == i))))
        n_sup = int(np.count_nonzero(self.suppressed))
        if n_sup:
            entries.append(LegendEntry(SUPPRESSED_COLOR, suppressed_label, n_sup))
        n_none = int(np.count_nonzero((idx < 0) & ~self.suppressed))
        if n_none:
            entries.append(LegendEntry(NO_DATA_COLOR, no_data_label, n_none))
        return entries
