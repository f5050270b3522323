"""Matching a job order against the cache: eligibility, funnel, ranking, explanations.

One scan of the candidates (only those in the job codes' DISCO minor groups, through the
``candidate_occupations`` side table; only the list columns the order needs) returns Arrow
columns; the required criteria become
numpy masks (rules in :mod:`.eligibility`), the funnel and the relaxations are sums over
them, the score is numpy over the eligible rows (:mod:`.scoring`), and only the top N get
travel times from the routing server and their explanations (:mod:`.explain`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.core.preload import LazyModule

from ..errors import Cancelled
from ..store.gateway import reference_date
from . import scoring, travel
from .eligibility import accepted_educations, candidate_base, criteria, occupation_prefixes
from .explain import Criterion, Explainer
from .order import JobOrder, validate
from .scoring import Weights
from .snapshot import CandidateSnapshot

# pyarrow on first use: the window imports this before its first paint (issue #17)
pa = LazyModule("pyarrow")
pc = LazyModule("pyarrow.compute")

log = logging.getLogger(__name__)

ALL = "all"
SEARCHABLE = "cv_searchable"
INCLUDE_RELATED = "include_related"


@dataclass
class FunnelStep:
    criterion: str  # "all", a required criterion's JSON key, "cv_searchable" last
    label: str
    remaining: int
    added: int | None = None  # occupation with include_related: what the widening added

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "criterion": self.criterion,
            "remaining": self.remaining,
            "label": self.label,
        }
        if self.added is not None:
            out["added_by_related"] = self.added
        return out


@dataclass
class Relaxation:
    criterion: str  # the criterion dropped, or "include_related" (occupation widened)
    label: str
    added: int

    def to_json(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "label": self.label, "added": self.added}


@dataclass
class MatchItem:
    candidate_id: str
    rid: int
    score: float
    required_met: int
    required_total: int
    nice_met: int
    nice_total: int
    distance_km: float | None
    travel: dict[str, Any]  # {"car_min", "pt_min", "estimated": bool, "mode": "car"|"pt"}
    reasons: list[str]
    criteria: list[Criterion]
    summary: str
    components: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "candidate_id": self.candidate_id,
            "score": self.score,
            "required_met": self.required_met,
            "required_total": self.required_total,
            "nice_met": self.nice_met,
            "nice_total": self.nice_total,
            "distance_km": self.distance_km,
            "reasons": list(self.reasons),
            "summary": self.summary,
            "travel": dict(self.travel),
            "criteria": [c.to_json() for c in self.criteria],
            "components": dict(self.components),
        }


@dataclass
class MatchResult:
    total_eligible: int
    excluded: dict[str, int]
    funnel: list[FunnelStep]
    best_relaxation: Relaxation | None
    items: list[MatchItem]
    rids: np.ndarray  # every eligible candidate, best first
    scores: np.ndarray
    workplace_xy: tuple[float, float] | None
    order: JobOrder | None = None
    weights: Weights = field(default_factory=Weights)
    travel: dict[str, Any] = field(default_factory=dict)  # {"source", "note"}
    relaxations: list[Relaxation] = field(default_factory=list)
    elapsed_ms: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The ``workbench match --format json`` document."""
        return {
            "total_eligible": self.total_eligible,
            "excluded": dict(self.excluded),
            "funnel": [s.to_json() for s in self.funnel],
            "best_relaxation": self.best_relaxation.to_json() if self.best_relaxation else None,
            "relaxations": [r.to_json() for r in self.relaxations],
            "travel": dict(self.travel),
            "weights": self.weights.to_json(),
            "items": [i.to_json() for i in self.items],
        }


def _check(cancelled: Callable[[], bool] | None) -> None:
    if cancelled is not None and cancelled():
        raise Cancelled("matching cancelled")


# -- Arrow helpers ------------------------------------------------------------------------


def _flat(col: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, np.ndarray]:
    """A list column's values and each value's row."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    values = pc.list_flatten(arr)
    parents = pc.list_parent_indices(arr).to_numpy(zero_copy_only=False)
    return values, parents.astype(np.int64, copy=False)


def _rows_with(values: pa.Array, parents: np.ndarray, n: int, code: str) -> np.ndarray:
    hit = pc.fill_null(pc.equal(values, code), False).to_numpy(zero_copy_only=False)
    mask = np.zeros(n, dtype=bool)
    mask[parents[hit]] = True
    return mask


def _numbers(col: pa.ChunkedArray) -> np.ndarray:
    return pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)  # NULL -> NaN


def _bools(col: pa.ChunkedArray) -> np.ndarray:
    return pc.fill_null(col, False).to_numpy(zero_copy_only=False).astype(bool)


# -- the match ----------------------------------------------------------------------------


@dataclass
class _Rows:
    """The scanned candidates (scan order) and their criterion masks."""

    table: pa.Table
    n: int
    masks: dict[str, np.ndarray]  # required criterion key -> met
    occ_specific: np.ndarray  # the job code or one below it
    occ_related: np.ndarray  # the same DISCO minor group
    occ_fit: np.ndarray
    qual_masks: dict[str, np.ndarray]
    has_car_licence: np.ndarray
    searchable: np.ndarray


def match(
    store: Any,
    order: JobOrder,
    *,
    weights: Weights | None = None,
    top: int = 100,
    cursor: Any = None,
    cancelled: Callable[[], bool] | None = None,
    settings: Any = None,
    routing_session: Any = None,
    snapshot: CandidateSnapshot | None = None,
) -> MatchResult:
    """Match ``order`` (validated here: :class:`JobOrderError` on bad input). ``settings``
    (a :class:`Settings`) gives ``[routing] base_url``; without it travel times are
    estimates. ``cursor``: the calling thread's cursor (default: a new one). ``snapshot``:
    the candidates in memory (see :mod:`.snapshot`) instead of a scan of the cache."""
    t0 = time.perf_counter()
    weights = weights or Weights()
    cur = cursor if cursor is not None else store.cursor()
    order = validate(store, order, cursor=cur)
    _check(cancelled)
    reference = reference_date(cur)  # on this thread's cursor, not the connection
    if snapshot is not None and not snapshot.usable_for(store):
        snapshot = None  # loaded for another candidate base (scope)
    rows = _scan(store, cur, order, reference, snapshot=snapshot)
    _check(cancelled)
    total_base = snapshot.num_rows if snapshot is not None else _base_count(store, cur)
    funnel, excluded, eligible = _funnel(order, rows, total_base)
    relaxations = _relaxations(order, rows, int(eligible.sum()))
    best = max(relaxations, key=lambda r: r.added, default=None)  # first of equals wins
    if best is not None and best.added <= 0:
        best = None
    _check(cancelled)

    idx = np.flatnonzero(eligible)
    table = rows.table
    # Ties go by candidate_id: its rank among the eligible (Arrow sorts strings in C++).
    by_id = pc.sort_indices(table["candidate_id"].take(pa.array(idx))).to_numpy()
    id_rank = np.empty(len(idx), dtype=np.int64)
    id_rank[by_id] = np.arange(len(idx))
    sc = _score(order, rows, idx)
    score = scoring.combine(sc.components, weights)
    ranking = np.lexsort((id_rank, -score))

    # Travel from the routing server for the top N only (one table request).
    travel_info = {"source": "estimate", "note": "estimated from the straight-line distance"}
    base_url = travel.routing_base_url(settings)
    top_pos = ranking[: max(top, 0)]
    xy = order.workplace_xy
    if xy and base_url and len(top_pos):
        error = _route(sc, top_pos, xy, base_url, routing_session)
        if error is None:
            travel_info = {"source": "osrm", "note": f"car times from {base_url}"}
            score = scoring.combine(sc.components, weights)
            ranking = np.lexsort((id_rank, -score))
            top_pos = ranking[: max(top, 0)]
        else:
            travel_info = {
                "source": "estimate",
                "note": f"routing failed, estimated instead: {error}",
            }
    _check(cancelled)

    explainer = Explainer.load(cur, order, reference)
    items = _items(explainer, rows, sc, top_pos, score)
    rid = table["rid"].to_numpy()
    result = MatchResult(
        total_eligible=int(eligible.sum()),
        excluded=excluded,
        funnel=funnel,
        best_relaxation=best,
        items=items,
        rids=rid[idx][ranking].astype(np.int64),
        scores=score[ranking],
        workplace_xy=xy,
        order=order,
        weights=weights,
        travel=travel_info,
        relaxations=relaxations,
    )
    result.elapsed_ms = (time.perf_counter() - t0) * 1000.0
    log.info("match: %d eligible in %.1f ms", result.total_eligible, result.elapsed_ms)
    return result


@dataclass
class _Scored:
    """Score components and travel of some scanned rows (``idx``), position by position."""

    idx: np.ndarray
    x: np.ndarray
    y: np.ndarray
    km: np.ndarray
    car_min: np.ndarray
    pt_min: np.ndarray
    routed: np.ndarray  # car minutes from the routing server, NaN where none
    car: np.ndarray  # has a car licence: ranked on car time, else public transport
    components: dict[str, np.ndarray]


def _score(order: JobOrder, rows: _Rows, idx: np.ndarray) -> _Scored:
    """The score components of the rows ``idx`` (:mod:`.scoring`)."""
    table = rows.table
    xy = order.workplace_xy
    x = _numbers(table["x"])[idx]
    y = _numbers(table["y"])[idx]
    km = np.hypot(x - xy[0], y - xy[1]) / 1000.0 if xy else np.full(len(idx), np.nan)
    car_min = travel.car_minutes_estimate(km)
    pt_min = travel.pt_minutes_estimate(km)
    car = rows.has_car_licence[idx]
    components: dict[str, np.ndarray] = {"occupation": rows.occ_fit[idx]}
    if order.nice_qualifications:
        nice = np.zeros(len(idx))
        for code in order.nice_qualifications:
            nice += rows.qual_masks[code][idx]
        components["nice"] = nice / len(order.nice_qualifications)
    years = _numbers(table["experience_years"])[idx]
    components["experience"] = scoring.experience_component(years)
    if xy:
        components["commute"] = scoring.commute_component(np.where(car, car_min, pt_min))
    if order.prioritise_long_term:
        days = _numbers(table["unemployed_days"])[idx]
        components["duration"] = scoring.duration_component(days)
    routed = np.full(len(idx), np.nan)
    return _Scored(idx, x, y, km, car_min, pt_min, routed, car, components)


def _route(
    sc: _Scored, positions: np.ndarray, xy: tuple[float, float], base_url: str, session: Any
) -> str | None:
    """Car minutes of ``positions`` from the routing server into ``sc.routed`` and the
    commute component; the reason when the server could not be used."""
    placed = positions[np.isfinite(sc.x[positions]) & np.isfinite(sc.y[positions])]
    result = travel.osrm_car_minutes(base_url, xy, sc.x[placed], sc.y[placed], session=session)
    if result.minutes is None:
        return result.error or "routing failed"
    sc.routed[placed] = result.minutes
    use = np.isfinite(sc.routed) & sc.car
    if use.any() and "commute" in sc.components:
        sc.components["commute"][use] = scoring.commute_component(sc.routed[use])
    return None


def _items(
    explainer: Explainer, rows: _Rows, sc: _Scored, positions: np.ndarray, score: np.ndarray
) -> list[MatchItem]:
    """The explained items of ``positions`` (into ``sc``), in that order."""
    top_rows = sc.idx[positions]
    records = rows.table.take(pa.array(top_rows, type=pa.int64())).to_pylist()
    items: list[MatchItem] = []
    for pos, row, record in zip(positions, top_rows, records, strict=True):
        has_route = bool(np.isfinite(sc.routed[pos]))
        placed = bool(np.isfinite(sc.km[pos]))
        car_trip = float(sc.routed[pos] if has_route else sc.car_min[pos])
        trip = {
            "car_min": round(car_trip, 1) if placed else None,
            "pt_min": round(float(sc.pt_min[pos]), 1) if placed else None,
            "estimated": not has_route,
            "mode": "car" if sc.car[pos] else "pt",
        }
        items.append(
            explainer.item(
                rows,
                int(row),
                record,
                score=float(score[pos]),
                distance_km=round(float(sc.km[pos]), 1) if placed else None,
                trip=trip,
                components={k: round(float(v[pos]), 3) for k, v in sc.components.items()},
            )
        )
    return items


def explain_candidates(
    store: Any,
    order: JobOrder,
    rids: list[int] | np.ndarray,
    *,
    weights: Weights | None = None,
    cursor: Any = None,
    snapshot: CandidateSnapshot | None = None,
) -> list[MatchItem]:
    """The explanation of any candidates (eligible or not: each criterion met or unmet,
    the score they would get), in the order of ``rids``; unknown rids are left out. For
    the detail pane of a candidate picked on the map, and "why not this one"."""
    weights = weights or Weights()
    cur = cursor if cursor is not None else store.cursor()
    order = validate(store, order, cursor=cur)
    reference = reference_date(cur)  # on this thread's cursor, not the connection
    wanted = [int(r) for r in rids]
    if snapshot is not None and not snapshot.usable_for(store):
        snapshot = None
    rows = _scan(store, cur, order, reference, rids=wanted, snapshot=snapshot)
    found = {int(r): i for i, r in enumerate(rows.table["rid"].to_numpy())}
    idx = np.array([found[r] for r in wanted if r in found], dtype=np.int64)
    sc = _score(order, rows, idx)
    score = scoring.combine(sc.components, weights)
    explainer = Explainer.load(cur, order, reference)
    return _items(explainer, rows, sc, np.arange(len(idx)), score)


def _base_count(store: Any, cur: Any) -> int:
    base, params = candidate_base(store)
    return int(cur.execute(f"SELECT count(*) FROM {base}", params).fetchone()[0])


def _fetch(
    store: Any,
    cur: Any,
    order: JobOrder,
    reference: Any,
    *,
    rids: list[int] | None = None,
    snapshot: CandidateSnapshot | None = None,
) -> pa.Table:
    """The candidates in the job codes' minor groups (or ``rids``): one scan, or a take
    from the snapshot."""
    related = occupation_prefixes(order, related=True)
    if snapshot is not None:
        return snapshot.rows(related, reference, rids=rids)
    base, params = candidate_base(store)
    cond = " OR ".join("starts_with(o.code, ?)" for _ in related)
    where = f"c.rid IN (SELECT o.rid FROM candidate_occupations o WHERE {cond})"
    where_params: list[Any] = list(related)
    if rids is not None:
        where, where_params = "c.rid IN (SELECT unnest(?::BIGINT[]))", [list(rids)]
    # List columns cost the most to scan: only those the order needs.
    lists = ", c.qualification_codes" if _qualification_codes(order) else ""
    lists += ", c.languages" if order.languages else ""
    sql = (
        "SELECT c.rid, c.candidate_id, c.x, c.y, c.experience_years, c.education,"
        " datediff('day', c.unemployed_since, ?::DATE) AS unemployed_days,"
        f" c.cv_searchable, c.occupation_codes, c.driving_licences{lists}"
        f" FROM {base} c"
        f" WHERE {where}"
    )
    return cur.execute(sql, [reference, *params, *where_params]).to_arrow_table()


def _qualification_codes(order: JobOrder) -> list[str]:
    codes = [*order.required_qualifications, *order.certificates, *order.nice_qualifications]
    return list(dict.fromkeys(codes))


def _scan(
    store: Any,
    cur: Any,
    order: JobOrder,
    reference: Any,
    *,
    rids: list[int] | None = None,
    snapshot: CandidateSnapshot | None = None,
) -> _Rows:
    """The candidates in the job codes' minor groups (or ``rids``) and the criterion
    masks over them."""
    table = _fetch(store, cur, order, reference, rids=rids, snapshot=snapshot)
    related = occupation_prefixes(order, related=True)
    qual_codes = _qualification_codes(order)
    n = table.num_rows

    # Occupation: per listed code, its kind (exact/specific/related) and position.
    values, parents = _flat(table["occupation_codes"])
    first = np.searchsorted(parents, parents, side="left")
    position = np.arange(len(parents)) - first
    exact = pc.fill_null(pc.is_in(values, value_set=pa.array(order.occupation_codes)), False)
    specific = np.zeros(len(parents), dtype=bool)
    for code in order.occupation_codes:
        specific |= pc.fill_null(pc.starts_with(values, code), False).to_numpy(zero_copy_only=False)
    rel = np.zeros(len(parents), dtype=bool)
    for prefix in related:
        rel |= pc.fill_null(pc.starts_with(values, prefix), False).to_numpy(zero_copy_only=False)
    exact_np = exact.to_numpy(zero_copy_only=False)
    kind = np.where(
        exact_np,
        scoring.EXACT,
        np.where(specific, scoring.SPECIFIC, np.where(rel, scoring.RELATED, 0.0)),
    )
    fit = np.zeros(n)
    np.maximum.at(fit, parents, kind * scoring.position_factor(position))
    occ_specific = np.zeros(n, dtype=bool)
    occ_specific[parents[specific]] = True
    occ_related = np.zeros(n, dtype=bool)
    occ_related[parents[rel]] = True
    if not order.include_related:
        fit = np.where(occ_specific, fit, 0.0)  # related codes do not count then

    masks: dict[str, np.ndarray] = {
        "occupation": occ_related if order.include_related else occ_specific
    }
    qual_masks: dict[str, np.ndarray] = {}
    if qual_codes:
        q_values, q_parents = _flat(table["qualification_codes"])
        qual_masks = {c: _rows_with(q_values, q_parents, n, c) for c in qual_codes}
    for key in ("required_qualifications", "certificates"):
        codes = getattr(order, key)
        if codes:
            masks[key] = np.logical_and.reduce([qual_masks[c] for c in codes])
    lic_values, lic_parents = _flat(table["driving_licences"])
    if order.driving_licence:
        masks["driving_licence"] = np.logical_and.reduce(
            [_rows_with(lic_values, lic_parents, n, c) for c in order.driving_licence]
        )
    has_car = np.zeros(n, dtype=bool)
    car_hit = pc.fill_null(
        pc.is_in(lic_values, value_set=pa.array(travel.CAR_LICENCES)), False
    ).to_numpy(zero_copy_only=False)
    has_car[lic_parents[car_hit]] = True
    if order.languages:
        lang_values, lang_parents = _flat(table["languages"])
        lang_values = pc.utf8_lower(lang_values)
        masks["languages"] = np.logical_and.reduce(
            [_rows_with(lang_values, lang_parents, n, c.lower()) for c in order.languages]
        )
    if order.min_experience_years is not None:
        masks["min_experience_years"] = np.nan_to_num(
            _numbers(table["experience_years"]), nan=-1.0
        ) >= float(order.min_experience_years)
    if order.education:
        edu = pc.utf8_lower(table["education"])
        masks["education"] = _bools(
            pc.is_in(edu, value_set=pa.array(accepted_educations(order.education)))
        )
    if order.max_commute_km is not None and order.workplace_xy is not None:
        wx, wy = order.workplace_xy
        d2 = (_numbers(table["x"]) - wx) ** 2 + (_numbers(table["y"]) - wy) ** 2
        r = order.max_commute_km * 1000.0
        masks["max_commute_km"] = np.nan_to_num(d2, nan=np.inf) <= r * r
    return _Rows(
        table=table,
        n=n,
        masks=masks,
        occ_specific=occ_specific,
        occ_related=occ_related,
        occ_fit=fit,
        qual_masks=qual_masks,
        has_car_licence=has_car,
        searchable=_bools(table["cv_searchable"]),
    )


def _funnel(
    order: JobOrder, rows: _Rows, total_base: int
) -> tuple[list[FunnelStep], dict[str, int], np.ndarray]:
    steps = [FunnelStep(ALL, "Alle kandidater", total_base)]
    excluded: dict[str, int] = {}
    current = np.ones(rows.n, dtype=bool)
    previous = total_base
    for crit in criteria(order):
        current = current & rows.masks[crit.key]
        remaining = int(current.sum())
        added = None
        if crit.key == "occupation" and order.include_related:
            added = remaining - int(rows.occ_specific.sum())
        steps.append(FunnelStep(crit.key, crit.label, remaining, added))
        excluded[crit.key] = previous - remaining
        previous = remaining
    eligible = current & rows.searchable
    total = int(eligible.sum())
    steps.append(FunnelStep(SEARCHABLE, "CV søgbart", total))
    excluded = {"not_searchable": previous - total, **excluded}
    return steps, excluded, eligible


def _relaxations(order: JobOrder, rows: _Rows, total: int) -> list[Relaxation]:
    """For each required criterion but the occupation: how many more candidates would be
    eligible without it; for the occupation: with related occupations, when not already
    included. In funnel order."""
    keys = [c for c in criteria(order)]
    out: list[Relaxation] = []
    for crit in keys:
        if crit.key == "occupation":
            if order.include_related:
                continue
            mask = rows.occ_related & rows.searchable
            label = "Medtag beslægtede fag (samme DISCO-gruppe)"
            key = INCLUDE_RELATED
        else:
            mask = rows.searchable.copy()
            label = f"Uden krav: {crit.label.lower()}"
            key = crit.key
        for other in keys:
            if other.key != crit.key:
                mask &= rows.masks[other.key]
        out.append(Relaxation(key, label, int(mask.sum()) - total))
    return out
