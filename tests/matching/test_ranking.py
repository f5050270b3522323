"""Ranking: stable ties, the score's components, explanations that agree with the data."""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np

from tests.matching.conftest import workplace
from tests.matching.test_eligibility_reference import make_order, rows
from workbench.core.matching import JobOrder, Weights, match
from workbench.core.store import Store


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


FULL = {
    "occupation_codes": ["5223"],
    "required_qualifications": ["Q0046"],
    "nice_qualifications": ["Q0062", "Q0056"],
    "max_commute_km": 25,
}


def test_order_is_score_then_candidate_id_and_repeatable(match_store: Store) -> None:
    order = make_order(match_store, FULL)
    first = match(match_store, order, top=50)
    again = match(match_store, order, top=50)
    assert np.array_equal(first.rids, again.rids)
    ids = dict(match_store.con.execute("SELECT rid, candidate_id FROM candidates").fetchall())
    keys = [(-float(s), ids[int(r)]) for r, s in zip(first.rids, first.scores, strict=True)]
    assert keys == sorted(keys)
    # Two identical profiles: the lower candidate_id first although it was inserted later.
    pos = {ids[int(r)]: i for i, r in enumerate(first.rids)}
    assert first.scores[pos["M-TIE-A"]] == first.scores[pos["M-TIE-B"]]
    assert pos["M-TIE-A"] + 1 == pos["M-TIE-B"]


def test_occupation_fit_exact_above_specific_above_related_first_above_later(
    match_store: Store,
) -> None:
    order = make_order(match_store, {"occupation_codes": ["5223"], "include_related": True})
    only_occupation = Weights(occupation=1, nice=0, experience=0, commute=0, duration=0)
    result = match(match_store, order, weights=only_occupation, top=100_000)
    ids = dict(match_store.con.execute("SELECT rid, candidate_id FROM candidates").fetchall())
    score = {ids[int(r)]: float(s) for r, s in zip(result.rids, result.scores, strict=True)}
    assert score["M-TIE-A"] == 100.0  # 5223, first listed
    assert score["M-SPEC"] == 80.0  # 52231: more specific than the job's code
    assert score["M-SECOND"] == 90.0  # 5223 listed second
    assert score["M-REL"] == 40.0  # 5221: the same minor group only
    item = next(
        i for i in match(match_store, order, top=100_000).items if i.candidate_id == "M-REL"
    )
    assert "beslægtet" in item.criteria[0].detail


def test_weights_change_the_ranking_and_long_term_priority(match_store: Store) -> None:
    base = make_order(match_store, {"occupation_codes": ["5223"]})
    long_term = JobOrder.from_json({**base.to_json(), "prioritise_long_term": True})
    w = Weights(occupation=0, nice=0, experience=0, commute=0, duration=1)
    ranked = match(match_store, long_term, weights=w, top=5)
    today = match_store.reference_date()
    since = dict(
        match_store.con.execute("SELECT candidate_id, unemployed_since FROM candidates").fetchall()
    )
    days = [(today - _day(since[i.candidate_id])).days for i in ranked.items]
    capped = [min(d, 730) for d in days]  # two years or more count fully
    assert capped == sorted(capped, reverse=True) and capped[0] == 730
    assert "duration" in ranked.items[0].components
    assert "duration" not in match(match_store, base, top=1).items[0].components


def test_explanations_agree_with_the_data(match_store: Store) -> None:
    order = make_order(match_store, FULL)
    _cvr, wx, wy = workplace(match_store)
    result = match(match_store, order, top=10_000)
    by_id = {r["candidate_id"]: r for r in rows(match_store)}
    today = match_store.reference_date()
    assert result.items
    for item in result.items:
        row = by_id[item.candidate_id]
        quals = set(row["qualification_codes"] or [])
        nice = [c for c in order.nice_qualifications if c in quals]
        assert item.nice_met == len(nice) and item.nice_total == 2
        assert item.required_met == item.required_total == 3  # occupation, Q0046, commute
        km = math.hypot(row["x"] - wx, row["y"] - wy) / 1000
        assert item.distance_km == round(km, 1)
        for code in order.nice_qualifications:
            flag = [
                c.met
                for c in item.criteria
                if c.key == "nice_qualifications" and f"({code})" in c.label
            ]
            assert flag == [code in quals]
        assert all(c.met for c in item.criteria if c.required)
        assert item.summary.startswith(f"3/3 krav · {len(nice)}/2 ønsker · ")
        months = int((today - _day(row["unemployed_since"])).days // 30.4375)
        assert item.summary.endswith(f"ledig {months} mdr")
        mode = "car" if set(row["driving_licences"] or []) & {"B", "C", "CE", "D"} else "pt"
        assert item.travel["mode"] == mode and item.travel["estimated"] is True
        assert ("bil)" if mode == "car" else "kollektivt)") in item.summary
    nocar = next(i for i in result.items if i.candidate_id == "M-NOCAR")
    assert nocar.travel["mode"] == "pt" and "offentlig transport" in " ".join(nocar.reasons)


def test_explain_any_candidate_eligible_or_not(match_store: Store) -> None:
    from workbench.core.matching import explain_candidates

    order = make_order(match_store, {**FULL, "driving_licence": "B"})
    result = match(match_store, order, top=3)
    rid_of = dict(match_store.con.execute("SELECT candidate_id, rid FROM candidates").fetchall())
    other = match_store.con.execute(
        "SELECT rid FROM candidates WHERE NOT list_contains(occupation_codes, '5223') LIMIT 1"
    ).fetchone()[0]
    wanted = [int(result.rids[1]), rid_of["M-NOCAR"], other, -5]
    explained = explain_candidates(match_store, order, wanted)
    assert [i.rid for i in explained] == wanted[:3]  # unknown rids left out
    same, nocar, outside = explained
    top = result.items[1]
    assert (same.summary, same.score, same.reasons) == (top.summary, top.score, top.reasons)
    licence = [c for c in nocar.criteria if c.key == "driving_licence"]
    assert [c.met for c in licence] == [False]
    assert nocar.required_met == nocar.required_total - 1
    assert nocar.summary.startswith(f"{nocar.required_total - 1}/{nocar.required_total} krav")
    assert outside.criteria[0].key == "occupation" and outside.criteria[0].met is False
