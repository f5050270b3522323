"""Why a filter finds nothing: each active criterion relaxed in turn, counted independently."""

from __future__ import annotations

from datetime import date

from workbench.core.filters import Filter, Range
from workbench.core.query import count
from workbench.core.why_empty import active_criteria, relaxations, relaxed, why_empty
from workbench.layers.selection import Selection

TODAY = date(2026, 11, 1)


def test_active_criteria_group_their_parameters():
    flt = Filter(
        today=TODAY,
        qualifications=("a", "b"),
        qualification_match="any",
        near=(1.0, 2.0),
        radius_km=3.0,
        collaboration=("mentor",),
        collaboration_scope="own",
        jobcenter="0101",
    )
    assert active_criteria(flt) == ["qualifications", "near", "collaboration"]
    assert relaxed(flt, "near").near is None and relaxed(flt, "near").radius_km is None
    assert relaxed(flt, "qualifications").qualification_match == "all"
    assert relaxed(flt, "collaboration").collaboration_scope == "all"
    assert relaxed(flt, "collaboration").jobcenter == "0101"  # a parameter, kept
    assert active_criteria(Filter(today=TODAY)) == []


def test_names_the_criterion_whose_removal_gives_the_most(small_demo_con):
    code = small_demo_con.execute(
        "SELECT code FROM candidate_occupations GROUP BY code ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    flt = Filter(
        today=TODAY,
        occupations=(code,),
        unemployed_days=Range(20_000, None),
        municipalities=("0101",),
        industries=("47",),  # companies only: not a reason for candidates
    )
    assert count(small_demo_con, "candidates", flt, strict=False) == 0
    found = relaxations(small_demo_con, "candidates", flt)
    assert {r.criterion for r in found} == {"occupations", "unemployed_days", "municipalities"}
    for r in found:
        assert r.count == count(
            small_demo_con, "candidates", relaxed(flt, r.criterion), strict=False
        )
    assert [r.count for r in found] == sorted((r.count for r in found), reverse=True)
    best = why_empty(small_demo_con, "candidates", flt)
    assert best is not None and best.criterion == "unemployed_days" and best.count > 0


def test_map_selection_counts_as_a_criterion(small_demo_con):
    sea = Selection.rectangle(0, 0, 10, 10)  # nothing lives there
    flt = Filter(today=TODAY, employees=Range(5, None)).with_selection(sea)
    assert count(small_demo_con, "companies", flt, strict=False) == 0
    best = why_empty(small_demo_con, "companies", flt)
    assert best is not None and best.criterion == "selection"
    assert best.count == count(small_demo_con, "companies", Filter(employees=Range(5, None)))


def test_no_single_criterion_explains(small_demo_con):
    flt = Filter(today=TODAY, employees=Range(10**6, None), industries=("00",))
    assert count(small_demo_con, "companies", flt, strict=False) == 0
    assert why_empty(small_demo_con, "companies", flt) is None
