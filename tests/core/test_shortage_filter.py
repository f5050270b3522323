"""The shortage filter and the map overlay's classes against an independent pandas
computation over the small demo with a hand-made Arbejdsmarkedsbalance."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.conftest import DEMO_TODAY
from workbench.cli import main
from workbench.core import query
from workbench.core.errors import FilterError
from workbench.core.filters import Filter
from workbench.core.layer_data import class_by_rid
from workbench.core.shortage import CATEGORIES

OCCUPATIONS = ("5223", "9112", "9333", "5322", "4110", "7115", "2512", "3322", "52")


def _balance(con) -> pd.DataFrame:
    """Every listed occupation in every municipality, the category varying with both; an
    older period says the opposite (it must not count); one 2-digit group row."""
    kommuner = [
        r[0] for r in con.execute("SELECT kode FROM municipalities ORDER BY kode").fetchall()
    ]
    rows = []
    for i, occ in enumerate(OCCUPATIONS):
        for j, kode in enumerate(kommuner):
            if (i + j) % 5 == 4:
                continue  # not every occupation everywhere
            cat = CATEGORIES[(i * 7 + j) % 4]
            rows.append((occ, kode, kode, cat, "2026H2", "test"))
            rows.append((occ, kode, kode, CATEGORIES[((i * 7 + j) % 4 + 2) % 4], "2025H1", "test"))
    df = pd.DataFrame(rows, columns=["occ", "kode", "name", "category", "period", "source"])
    con.register("balance_rows", df)  # one INSERT: executemany is slow in DuckDB
    con.execute(
        "INSERT INTO shortage (occupation_code, area_code, area_name, category, period, source) "
        "SELECT * FROM balance_rows"
    )
    con.unregister("balance_rows")
    return df[df.period == "2026H2"]


def _pairs(con, entity: str) -> pd.DataFrame:
    """rid, occupation code, municipality: computed without the module under test."""
    if entity == "candidates":
        df = con.execute("SELECT rid, occupation_codes, kommune_kode FROM candidates").df()
        df = df.explode("occupation_codes").rename(columns={"occupation_codes": "code"})
    elif entity == "companies":
        comp = con.execute("SELECT rid, cvr, pnr, kommune_kode FROM companies").df()
        post = con.execute(
            "SELECT cvr, pnr AS ppnr, occupation_code AS code FROM job_postings"
        ).df()
        df = comp.merge(post, on="cvr")
        df = df[df.ppnr.isna() | df.pnr.isna() | (df.ppnr == df.pnr)]
    else:
        df = con.execute("SELECT rid, occupation_code AS code, kommune_kode FROM job_postings").df()
    return df.dropna(subset=["code"])[["rid", "code", "kommune_kode"]]


def _reference(con, entity: str, balance: pd.DataFrame) -> pd.DataFrame:
    pairs = _pairs(con, entity)
    merged = pairs.merge(balance, left_on="kommune_kode", right_on="kode")
    hit = merged[[c.startswith(o) for c, o in zip(merged.code, merged.occ, strict=True)]]
    return hit[["rid", "category"]].drop_duplicates()


@pytest.fixture
def with_balance(small_demo_con):
    return small_demo_con, _balance(small_demo_con)


@pytest.mark.parametrize("entity", ["candidates", "companies", "postings"])
@pytest.mark.parametrize("cats", [("mangel",), ("gode", "paradoks"), ("mindre_gode",)])
def test_filter_equals_independent_selection(with_balance, entity, cats) -> None:
    con, balance = with_balance
    ref = _reference(con, entity, balance)
    expected = set(ref[ref.category.isin(cats)].rid)
    assert expected  # the balance reaches some rows
    got = query.points(con, entity, Filter(shortage=cats, today=DEMO_TODAY))
    assert set(got.rid.tolist()) == expected
    assert query.count(con, entity, Filter(shortage=cats, today=DEMO_TODAY)) == len(expected)


def test_filter_combines_with_other_criteria(with_balance) -> None:
    con, balance = with_balance
    ref = _reference(con, "candidates", balance)
    mangel = set(ref[ref.category == "mangel"].rid)
    in_kbh = {
        r[0]
        for r in con.execute("SELECT rid FROM candidates WHERE kommune_kode = '0101'").fetchall()
    }
    flt = Filter(shortage=("mangel",), municipalities=("101",), today=DEMO_TODAY)
    assert set(query.points(con, "candidates", flt).rid.tolist()) == mangel & in_kbh
    names = [name for name, _, _ in query.clause_counts(con, "candidates", flt)]
    assert names == ["municipalities", "shortage"]


def test_overlay_class_is_the_best_category(with_balance) -> None:
    con, balance = with_balance
    for entity in ("candidates", "companies"):
        ref = _reference(con, entity, balance)
        rank = ref.assign(c=ref.category.map(CATEGORIES.index)).groupby("rid").c.min()
        lookup = class_by_rid(con, entity, "shortage", DEMO_TODAY)
        assert {int(r): int(lookup[r]) for r in rank.index} == {
            int(r): int(c) for r, c in rank.items()
        }
        assert int((lookup >= 0).sum()) == len(rank)  # rows without a match are "other"


def test_empty_balance_matches_nothing(small_demo_con) -> None:
    assert query.count(small_demo_con, "companies", Filter(shortage=("mangel",))) == 0


def test_categories_are_validated_and_serialised() -> None:
    with pytest.raises(FilterError, match="unknown shortage category 'stor mangel'"):
        Filter(shortage=("stor mangel",)).normalised()
    flt = Filter(shortage=("gode", "mangel", "gode")).normalised()
    assert flt.shortage == ("mangel", "gode")
    assert Filter.from_dict(json.loads(json.dumps(flt.to_dict()))) == flt


def test_search_command_shortage_option(small_demo_cache, capsys) -> None:
    from workbench.core import cache

    con = cache.connect(small_demo_cache)
    try:
        balance = _balance(con)
        ref = _reference(con, "companies", balance)
        pnrs = {
            r[0]
            for r in con.execute(
                "SELECT pnr FROM companies WHERE list_contains(?, rid)",
                [sorted(int(r) for r in ref[ref.category == "paradoks"].rid)],
            ).fetchall()
        }
    finally:
        con.close()
    args = ["search", "companies", "--cache", str(small_demo_cache), "--shortage", "paradoks"]
    assert main([*args, "--limit", "1000000", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {i["pnr"] for i in data["items"]} == pnrs and data["total"] == len(pnrs)
    with pytest.raises(SystemExit) as exit_info:
        main([*args[:-1], "stor"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'stor'" in capsys.readouterr().err
