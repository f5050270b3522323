"""Candidate supply near companies: how many candidates within a radius hold at least one
of a company's typical occupations (a candidate code matches a typical code when it starts
with it: the occupation rule of the search filter). Pure numpy, no SQL per company.

Companies are grouped by their set of typical occupations; per group the matching
candidates are the union of per-code index lists, and the distances are counted exactly
(Euclidean, EPSG:25832 metres) by bucketing the candidates into square cells of the radius:
a company only meets the candidates of its own and the eight neighbouring cells.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

_PAIRS_PER_CHUNK = 4_000_000  # company-candidate pairs per vectorised step (~100 MB)


def count_within(
    px: np.ndarray, py: np.ndarray, qx: np.ndarray, qy: np.ndarray, radius: float
) -> np.ndarray:
    """For each point p, how many points q lie within ``radius`` (inclusive). NaN points
    neither count nor are counted."""
    px, py = np.asarray(px, np.float64), np.asarray(py, np.float64)
    qx, qy = np.asarray(qx, np.float64), np.asarray(qy, np.float64)
    out = np.zeros(px.shape[0], dtype=np.int64)
    q_ok = np.isfinite(qx) & np.isfinite(qy)
    qx, qy = qx[q_ok], qy[q_ok]
    p_ok = np.flatnonzero(np.isfinite(px) & np.isfinite(py))
    if qx.size == 0 or p_ok.size == 0 or not radius > 0:
        return out
    cell = float(radius)
    x0, y0 = float(qx.min()), float(qy.min())
    qi = np.floor((qx - x0) / cell).astype(np.int64)
    qj = np.floor((qy - y0) / cell).astype(np.int64)
    ncols, nrows = int(qi.max()) + 1, int(qj.max()) + 1
    key = qj * ncols + qi
    order = np.argsort(key, kind="stable")
    skey, sqx, sqy = key[order], qx[order], qy[order]
    ppx, ppy = px[p_ok], py[p_ok]
    pi = np.floor((ppx - x0) / cell).astype(np.int64)
    pj = np.floor((ppy - y0) / cell).astype(np.int64)
    r2 = radius * radius
    counts = np.zeros(p_ok.size, dtype=np.int64)
    for dj in (-1, 0, 1):
        for di in (-1, 0, 1):
            ni, nj = pi + di, pj + dj
            valid = (ni >= 0) & (ni < ncols) & (nj >= 0) & (nj < nrows)
            nk = nj * ncols + ni
            lo = np.searchsorted(skey, nk, side="left")
            hi = np.searchsorted(skey, nk, side="right")
            lengths = np.where(valid, hi - lo, 0)
            _count_pairs(ppx, ppy, sqx, sqy, lo, lengths, r2, counts)
    out[p_ok] = counts
    return out


def _count_pairs(
    px: np.ndarray,
    py: np.ndarray,
    qx: np.ndarray,
    qy: np.ndarray,
    lo: np.ndarray,
    lengths: np.ndarray,
    r2: float,
    counts: np.ndarray,
) -> None:
    """Add to ``counts[p]`` the q in ``[lo[p], lo[p] + lengths[p])`` within ``r2``."""
    ends = np.cumsum(lengths)
    start = 0
    n = lengths.shape[0]
    while start < n:
        base = int(ends[start - 1]) if start else 0
        stop = int(np.searchsorted(ends, base + _PAIRS_PER_CHUNK, side="right"))
        stop = max(stop, start + 1)
        ln = lengths[start:stop]
        total = int(ln.sum())
        if total:
            owner = np.repeat(np.arange(start, stop), ln)
            first = np.repeat(np.cumsum(ln) - ln, ln)
            q = np.repeat(lo[start:stop], ln) + (np.arange(total) - first)
            d2 = (px[owner] - qx[q]) ** 2 + (py[owner] - qy[q]) ** 2
            hit = owner[d2 <= r2]
            counts += np.bincount(hit, minlength=counts.shape[0])
        start = stop


class CandidateCodes:
    """Placed candidates and their occupation codes, indexed for prefix look-ups."""

    def __init__(self, x: np.ndarray, y: np.ndarray, pair_cand: np.ndarray, pair_code: list[str]):
        self.x = np.asarray(x, np.float64)
        self.y = np.asarray(y, np.float64)
        codes = np.asarray(pair_code, dtype=object)
        self._unique, inverse = np.unique(codes.astype(str), return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        self._cand = np.asarray(pair_cand, np.int64)[order]
        self._bounds = np.searchsorted(inverse[order], np.arange(self._unique.size + 1))
        self._by_prefix: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def matching(self, prefix: str) -> np.ndarray:
        """Indices of candidates with a code that starts with ``prefix`` (sorted, unique)."""
        hit = self._by_prefix.get(prefix)
        if hit is None:
            idx = np.flatnonzero(np.char.startswith(self._unique, prefix))
            parts = [self._cand[self._bounds[i] : self._bounds[i + 1]] for i in idx]
            hit = np.unique(np.concatenate(parts)) if parts else np.empty(0, np.int64)
            self._by_prefix[prefix] = hit
        return hit


def supply_counts(
    codes: Sequence[Sequence[str]],
    x: np.ndarray,
    y: np.ndarray,
    candidates: CandidateCodes,
    radius_m: float,
) -> np.ndarray:
    """Per company (its typical occupation codes and its place), the number of distinct
    candidates within ``radius_m`` holding at least one of the codes."""
    out = np.zeros(len(codes), dtype=np.int64)
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, cs in enumerate(codes):
        if cs:
            groups[tuple(sorted(set(cs)))].append(i)
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    for signature, members in groups.items():
        parts = [candidates.matching(c) for c in signature]
        cand = parts[0] if len(parts) == 1 else np.unique(np.concatenate(parts))
        if cand.size == 0:
            continue
        idx = np.asarray(members, dtype=np.int64)
        out[idx] = count_within(x[idx], y[idx], candidates.x[cand], candidates.y[cand], radius_m)
    return out
