"""compile_where keeps its clauses named (#11): each clause's count agrees with SQL written
by hand, and together they are the filter."""

from __future__ import annotations

from datetime import timedelta

import pytest

from workbench.core.filters import Filter, Range, compile_where
from workbench.core.query import clause_counts, count

from ..conftest import DEMO_TODAY


def _n(con, sql: str, params: list | None = None) -> int:
    return con.execute(sql, params or []).fetchall()[0][0]


def test_candidate_clauses_are_named_and_counted(small_demo_con):
    con = small_demo_con
    muni = _n(con, "SELECT kommune_kode FROM candidates GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    flt = Filter(
        municipalities=(muni,),
        unemployed_days=Range(100, 400),
        searchable_only=True,
        today=DEMO_TODAY,
    )
    compiled = compile_where("candidates", flt)
    assert [c.name for c in compiled.clauses] == [
        "unemployed_days",
        "searchable_only",
        "municipalities",
    ]
    assert " AND ".join(c.sql for c in compiled.clauses) == compiled.where
    assert [p for c in compiled.clauses for p in c.params] == compiled.params

    early, late = DEMO_TODAY - timedelta(days=400), DEMO_TODAY - timedelta(days=100)
    days = "unemployed_since BETWEEN ? AND ?"
    by_hand = {
        "unemployed_days": _n(con, f"SELECT count(*) FROM candidates WHERE {days}", [early, late]),
        "searchable_only": _n(con, "SELECT count(*) FROM candidates WHERE cv_searchable"),
        "municipalities": _n(con, "SELECT count(*) FROM candidates WHERE kommune_kode = ?", [muni]),
    }
    funnel = clause_counts(con, "candidates", flt)
    assert {name: alone for name, alone, _ in funnel} == by_hand
    assert [cum for _, _, cum in funnel] == [
        by_hand["unemployed_days"],
        _n(con, f"SELECT count(*) FROM candidates WHERE {days} AND cv_searchable", [early, late]),
        count(con, "candidates", flt),
    ]
    assert all(v > 0 for v in by_hand.values()) and funnel[-1][2] < funnel[0][1]


@pytest.mark.parametrize(
    ("entity", "names"),
    [("companies", ["industries", "employees"]), ("postings", ["industries+employees"])],
)
def test_company_clauses_and_the_postings_employer_clause(small_demo_con, entity, names):
    con = small_demo_con
    flt = Filter(industries=("47",), employees=Range(5, None), today=DEMO_TODAY)
    compiled = compile_where(entity, flt)
    assert [c.name for c in compiled.clauses] == names
    funnel = clause_counts(con, entity, flt)
    assert funnel[-1][2] == count(con, entity, flt) > 0
    if entity == "companies":
        size = _n(con, "SELECT count(*) FROM companies WHERE employees >= 5")
        assert funnel[1][1] == size


def test_an_empty_filter_has_no_clauses(small_demo_con):
    assert compile_where("companies", Filter()).clauses == []
    assert clause_counts(small_demo_con, "companies", Filter()) == []
