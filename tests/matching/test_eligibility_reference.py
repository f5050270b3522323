"""Matching against an independent plain-Python check over every candidate row.

The reference below reads the list columns (not the side tables the engine uses) and states
each rule on its own: every returned candidate meets every required criterion, no eligible
candidate is missing, the funnel and the relaxations count what they say.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from tests.matching.conftest import workplace
from workbench.core.matching import JobOrder, match
from workbench.core.matching.eligibility import candidate_base, criteria, criterion_sql
from workbench.core.store import Store

# The education rule, written out: a level is met by itself and by the levels above it.
LEVEL = {
    "grundskole": 0,
    "gymnasial uddannelse": 1,
    "erhvervsuddannelse": 1,
    "kort videregående uddannelse": 2,
    "mellemlang videregående uddannelse": 3,
    "bachelor": 3,
    "lang videregående uddannelse": 4,
    "ph.d.": 5,
}


def rows(store: Store) -> list[dict[str, Any]]:
    cur = store.cursor()
    cur.execute("SELECT * FROM candidates")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def meets(row: dict[str, Any], key: str, order: JobOrder, wx: float, wy: float) -> bool:
    if key == "occupation":
        prefixes = [c[:3] if order.include_related else c for c in order.occupation_codes]
        return any(str(o).startswith(p) for o in row["occupation_codes"] or [] for p in prefixes)
    if key in ("required_qualifications", "certificates"):
        return set(getattr(order, key)) <= set(row["qualification_codes"] or [])
    if key == "driving_licence":
        return set(order.driving_licence) <= set(row["driving_licences"] or [])
    if key == "languages":
        spoken = {v.lower() for v in row["languages"] or []}
        return {v.lower() for v in order.languages} <= spoken
    if key == "min_experience_years":
        return (
            row["experience_years"] is not None
            and row["experience_years"] >= order.min_experience_years
        )
    if key == "education":
        have, want = (row["education"] or "").lower(), (order.education or "").lower()
        if not have:
            return False
        return have == want or (have in LEVEL and want in LEVEL and LEVEL[have] > LEVEL[want])
    if key == "max_commute_km":
        if row["x"] is None or row["y"] is None:
            return False
        return math.hypot(row["x"] - wx, row["y"] - wy) <= order.max_commute_km * 1000
    raise KeyError(key)


ORDERS = {
    "occupation only": {"occupation_codes": ["5223"]},
    "all required": {
        "occupation_codes": ["5223"],
        "required_qualifications": ["Q0046"],
        "driving_licence": "B",
        "languages": ["dansk"],
        "min_experience_years": 3,
        "max_commute_km": 30,
        "nice_qualifications": ["Q0062", "Q0056"],
    },
    "related and education": {
        "occupation_codes": ["5223"],
        "include_related": True,
        "education": "Erhvervsuddannelse",
        "required_qualifications": ["Q0046"],
        "max_commute_km": 60,
    },
    "certificates": {"occupation_codes": ["5223"], "certificates": ["Q0062"], "max_commute_km": 80},
    "two codes long-term": {
        "occupation_codes": ["9112", "5223"],
        "prioritise_long_term": True,
        "languages": ["DANSK"],
    },
    "a major group": {"occupation_codes": ["9"], "min_experience_years": 10},
}


def make_order(store: Store, data: dict[str, Any]) -> JobOrder:
    cvr, _x, _y = workplace(store)
    return JobOrder.from_json({"workplace": {"cvr": cvr}, **data})


@pytest.mark.parametrize("name", list(ORDERS))
def test_eligible_set_funnel_and_relaxations_match_the_reference(
    match_store: Store, name: str
) -> None:
    order = make_order(match_store, ORDERS[name])
    _cvr, wx, wy = workplace(match_store)
    result = match(match_store, order, top=10_000)
    all_rows = rows(match_store)
    keys = [c.key for c in criteria(order)]

    def eligible(skip: str | None = None, *, searchable: bool | None = True) -> set[str]:
        return {
            r["candidate_id"]
            for r in all_rows
            if all(meets(r, k, order, wx, wy) for k in keys if k != skip)
            and (searchable is None or bool(r["cv_searchable"]) == searchable)
        }

    by_rid = {r["rid"]: r for r in all_rows}
    returned = [by_rid[int(rid)]["candidate_id"] for rid in result.rids]
    assert len(returned) == len(set(returned))
    assert set(returned) == eligible()  # every returned meets all, none missing
    assert result.total_eligible == len(eligible()) > 0
    assert [i.candidate_id for i in result.items] == returned[: len(result.items)]
    assert result.excluded["not_searchable"] == len(eligible(searchable=False))

    # The funnel: cumulative counts, in order, from plain Python and from SQL.
    expected = [len(all_rows)]
    survivors = all_rows
    for key in keys:
        survivors = [r for r in survivors if meets(r, key, order, wx, wy)]
        expected.append(len(survivors))
    expected.append(len(eligible()))
    assert [s.remaining for s in result.funnel] == expected
    assert [s.criterion for s in result.funnel] == ["all", *keys, "cv_searchable"]
    base, params = candidate_base(match_store)
    where: list[str] = []
    for step in result.funnel[1:-1]:
        sql, p = criterion_sql(result.order, step.criterion)
        where.append(sql)
        params = [*params, *p]
        n = match_store.con.execute(
            f"SELECT count(*) FROM {base} c WHERE {' AND '.join(where)}", params
        ).fetchone()[0]
        assert n == step.remaining, step.criterion

    # Relaxations: each criterion but the occupation dropped; the occupation widened.
    got = {r.criterion: r.added for r in result.relaxations}
    for key in keys[1:]:
        assert got[key] == len(eligible(skip=key)) - result.total_eligible, key
    if not order.include_related:
        widened = JobOrder.from_json({**order.to_json(), "include_related": True})
        ref = {
            r["candidate_id"]
            for r in all_rows
            if all(meets(r, k, widened, wx, wy) for k in keys) and r["cv_searchable"]
        }
        assert got["include_related"] == len(ref) - result.total_eligible
    if any(r.added > 0 for r in result.relaxations):
        best = max(r.added for r in result.relaxations)
        assert result.best_relaxation is not None and result.best_relaxation.added == best
    else:
        assert result.best_relaxation is None


def test_include_related_shows_what_it_added(match_store: Store) -> None:
    exact = match(match_store, make_order(match_store, {"occupation_codes": ["5223"]}))
    wide = match(
        match_store,
        make_order(match_store, {"occupation_codes": ["5223"], "include_related": True}),
    )
    step = wide.funnel[1]
    assert step.criterion == "occupation"
    assert step.added == 1  # M-REL (5221); M-SPEC (52231) is below 5223 and counts anyway
    assert step.remaining == exact.funnel[1].remaining + 1
    assert wide.total_eligible == exact.total_eligible + 1
    assert exact.best_relaxation is not None
    assert exact.best_relaxation.criterion == "include_related"
    assert exact.best_relaxation.added == 1


def test_not_searchable_are_counted_never_returned(match_store: Store) -> None:
    result = match(match_store, make_order(match_store, {"occupation_codes": ["5223"]}), top=10_000)
    ids = {i.candidate_id for i in result.items}
    assert "M-HIDDEN" not in ids and "M-SPEC" in ids
    n = match_store.con.execute(
        "SELECT count(*) FROM candidates WHERE NOT cv_searchable AND rid IN"
        " (SELECT rid FROM candidate_occupations WHERE starts_with(code, '5223'))"
    ).fetchone()[0]
    assert result.excluded["not_searchable"] == n > 0


def test_eligible_sql_states_the_same_rules(match_store: Store) -> None:
    from workbench.core.matching.eligibility import eligible_sql
    from workbench.core.matching.order import validate

    order = validate(match_store, make_order(match_store, ORDERS["all required"]))
    result = match(match_store, order, top=0)
    sql, params = eligible_sql(match_store, order)
    got = {r[0] for r in match_store.con.execute(sql, params).fetchall()}
    assert got == {int(r) for r in result.rids}
    for relax in result.relaxations:
        if relax.criterion == "include_related":
            continue
        sql, params = eligible_sql(match_store, order, skip=relax.criterion)
        n = len(match_store.con.execute(sql, params).fetchall())
        assert n - result.total_eligible == relax.added, relax.criterion
    hidden_sql, params = eligible_sql(match_store, order, searchable=False)
    hidden = len(match_store.con.execute(hidden_sql, params).fetchall())
    assert hidden == result.excluded["not_searchable"]


def test_cancelled_stops_the_match(match_store: Store) -> None:
    from workbench.core.errors import Cancelled

    with pytest.raises(Cancelled):
        match(
            match_store, make_order(match_store, ORDERS["occupation only"]), cancelled=lambda: True
        )
