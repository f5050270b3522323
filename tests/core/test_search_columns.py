"""Criteria on few distinct values (industry, size, municipality) as numpy masks (issue #17):
the same companies as the SQL, NULLs and the DB07<->DB25 key included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workbench.core import cache
from workbench.core.filters import Filter, Range
from workbench.core.query import points
from workbench.core.search import DisplayRanks, columns, pipeline, run_filter
from workbench.core.search.columns import dictionary_clauses


@pytest.fixture(autouse=True, params=["default", "masks", "by_value"])
def row_paths(request, monkeypatch):
    """Every test runs with the rows of a clause found both ways: by a mask over every row
    and by the rows of the passing values (``rows_of``, ``SideCodes.by_code``)."""
    if request.param == "masks":
        monkeypatch.setattr(columns, "FEW_CODES", -1)
    elif request.param == "by_value":
        monkeypatch.setattr(columns, "FEW_CODES", 10**9)
        monkeypatch.setattr(columns, "FEW_ROWS_SHARE", 1)
    return request.param


# rid, industry_code, industry_system, employees, kommune_kode
COMPANIES = [
    (1, "620100", "DB07", 12, "0101"),
    (2, "621000", "DB25", 3, "0101"),
    (3, "620100", "DB25", None, "0147"),
    (4, "620100", None, 250, None),
    (5, "829100", "DB07", 49, "0751"),
    (6, None, None, 10, "0751"),
    (7, "011100", "DB07", 0, "0147"),
]


@pytest.fixture
def con(tmp_path: Path):
    con = cache.connect(tmp_path / "c.duckdb")
    con.executemany(
        "INSERT INTO companies (rid, cvr, pnr, name, industry_code, industry_system, employees, "
        "kommune_kode, x, y) VALUES (?, lpad(?::VARCHAR, 8, '1'), NULL, 'Firma', ?, ?, ?, ?, "
        "600000 + 10 * ?, 6200000)",
        [(r, r, code, system, emp, kk, r) for r, code, system, emp, kk in COMPANIES],
    )
    con.execute("INSERT INTO industry_key VALUES ('620100', '621000'), ('829100', '829110')")
    yield con
    con.close()


FILTERS = [
    Filter(industries=("62",)),
    Filter(industries=("DB25:621",)),
    Filter(industries=("62", "01")),
    Filter(employees=Range(10, None)),
    Filter(employees=Range(None, 12)),
    Filter(employees=Range(3, 49), industries=("62",)),
    Filter(municipalities=("101", "0751")),
    Filter(municipalities=("0147",), employees=Range(0, 0)),
    Filter(industries=("82",), municipalities=("0101",)),  # nothing
]


@pytest.mark.parametrize("i", range(len(FILTERS)))
def test_masks_match_the_sql(con, i):
    flt = FILTERS[i]
    assert dictionary_clauses("companies", flt) is not None
    ranks = DisplayRanks()
    for _ in range(2):  # the second time from the remembered matching values
        got = run_filter(con, flt, ranks, postings=False).companies
        want = points(con, "companies", flt, ordered=True)
        np.testing.assert_array_equal(got.rid, want.rid)
        np.testing.assert_array_equal(got.x, want.x)


def test_other_criteria_take_the_sql(con, monkeypatch):
    assert dictionary_clauses("companies", Filter(cvr="11111111")) is None
    assert dictionary_clauses("companies", Filter(collaboration=("active",))) is None
    assert dictionary_clauses("candidates", Filter(driving_licences=("B",))) is None
    # the masks run no scan of the companies per filter: only the few distinct values
    ranks = DisplayRanks()
    run_filter(con, FILTERS[5], ranks, postings=False)
    monkeypatch.setattr(pipeline, "points", _refused)
    got = run_filter(con, FILTERS[3], ranks, postings=False).companies
    assert sorted(got.rid.tolist()) == [1, 4, 5, 6]


def _refused(*_args, **_kwargs):
    raise AssertionError("the SQL path ran")


def test_candidates_side_tables_match_the_sql(small_demo_con):
    """Occupations (prefix), qualifications (any, all) and municipalities as masks: the same
    candidates as the semi-joins of compile_where."""
    con = small_demo_con
    occ = [
        r[0]
        for r in con.execute(
            "SELECT code FROM candidate_occupations GROUP BY code ORDER BY count(*) DESC LIMIT 3"
        ).fetchall()
    ]
    qual = [
        r[0]
        for r in con.execute(
            "SELECT code FROM candidate_qualifications GROUP BY code ORDER BY count(*) DESC LIMIT 3"
        ).fetchall()
    ]
    munis = [
        r[0]
        for r in con.execute(
            "SELECT kommune_kode FROM candidates GROUP BY 1 ORDER BY count(*) DESC LIMIT 4"
        ).fetchall()
    ]
    filters = [
        Filter(occupations=(occ[0][:2],)),  # a prefix: the code's children
        Filter(occupations=(occ[0], occ[1])),
        Filter(qualifications=(qual[0],)),
        Filter(qualifications=(qual[0], qual[1]), qualification_match="any"),
        Filter(qualifications=(qual[0], qual[1], qual[2])),  # all of them
        Filter(qualifications=(qual[1], qual[0]), municipalities=tuple(munis)),
        Filter(occupations=(occ[1],), qualifications=(qual[0],), municipalities=(munis[0],)),
        Filter(occupations=("99999",)),  # nothing
    ]
    ranks = DisplayRanks()
    for flt in filters:
        assert dictionary_clauses("candidates", flt) is not None
        got = run_filter(con, flt, ranks, postings=False).candidates
        want = points(con, "candidates", flt, ordered=True)
        np.testing.assert_array_equal(got.rid, want.rid)
        np.testing.assert_array_equal(got.y, want.y)
    assert len(run_filter(con, filters[4], ranks, postings=False).candidates) < len(
        run_filter(con, filters[3], ranks, postings=False).candidates
    )
