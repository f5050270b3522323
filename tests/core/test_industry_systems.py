"""Industry codes carry their system (DB07 before 2025, DB25 after): the cache column, the
migration of older caches, the filter across systems through the DB07<->DB25 key, the
picker's trees and the CLI's --industry."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from workbench.cli import main
from workbench.core import cache
from workbench.core.errors import FilterError
from workbench.core.filters import Filter
from workbench.core.industries import industry_choices, parse_industry_code
from workbench.core.query import points, search
from workbench.core.schema import MIGRATION_INDUSTRY_SYSTEMS, MIGRATIONS, SCHEMA_VERSION

# rid, cvr, industry_code, industry_system
COMPANIES = [
    (1, "10000001", "620100", "DB07"),  # DB07 computer programming
    (2, "10000002", "621000", "DB25"),  # DB25 computer programming (the key maps 620100 here)
    (3, "10000003", "620100", "DB25"),  # a DB25 code that has the DB07 shape of 620100
    (4, "10000004", "620100", None),  # written before the column existed: DB07
    (5, "10000005", "829100", "DB07"),
]


@pytest.fixture
def con(tmp_path: Path):
    con = cache.connect(tmp_path / "c.duckdb")
    con.executemany(
        "INSERT INTO companies (rid, cvr, name, industry_code, industry_system, x, y) "
        "VALUES (?, ?, 'Firma', ?, ?, 600000, 6200000)",
        COMPANIES,
    )
    con.execute(
        "INSERT INTO job_postings (rid, posting_id, cvr, title) VALUES (1, 'p1', '10000002', 'x')"
    )
    con.executemany(
        "INSERT INTO industries (system, code, title, level, parent_code) VALUES (?, ?, ?, 5, NULL)",
        [
            ("DB07", "620100", "Computerprogrammering"),
            ("DB25", "620100", "Noget andet"),
            ("DB25", "621000", "Computerprogrammering"),
        ],
    )
    yield con
    con.close()


def _rids(con: duckdb.DuckDBPyConnection, *codes: str) -> set[int]:
    pts = points(con, "companies", Filter(industries=codes), ordered=False)
    return {int(r) for r in pts.rid}


def test_without_a_key_each_system_finds_its_own(con):
    assert _rids(con, "62") == {1, 4}  # DB07 (and rows without a system), never DB25 rows
    assert _rids(con, "62.01.00") == {1, 4}
    assert _rids(con, "DB25:62") == {2, 3}
    assert _rids(con, "db25:6210") == {2}
    assert _rids(con, "62", "DB25:6210") == {1, 2, 4}


def test_with_a_key_a_prefix_finds_the_other_system_too(con):
    con.execute("INSERT INTO industry_key VALUES ('620100', '621000'), ('829100', '829110')")
    assert _rids(con, "62") == {1, 2, 4}
    assert _rids(con, "6201") == {1, 2, 4}
    assert _rids(con, "82") == {5}  # 829110 is in the key, but no company has it
    assert _rids(con, "DB25:621") == {1, 2, 4}  # and the other way round
    assert _rids(con, "DB25:6201") == {3}
    # postings follow their employer's industry
    assert search(con, "postings", Filter(industries=("62",))).total == 1


def test_filter_codes_are_canonical_and_bad_ones_name_themselves():
    assert Filter(industries=("62.01", "db25:62.1")).normalised().industries == ("6201", "DB25:621")
    assert parse_industry_code("DB07:62") == ("DB07", "62")
    assert Filter.from_dict({"industries": ["DB25:62"]}).to_dict()["industries"] == ["DB25:62"]
    with pytest.raises(FilterError, match="'DB99:62'"):
        Filter(industries=("DB99:62",)).normalised()
    with pytest.raises(FilterError, match="'62;1'"):
        Filter(industries=("62;1",)).normalised()


def test_picker_shows_both_trees_without_a_key_and_db07_with_one(con):
    choices = industry_choices(con)
    assert [c[0] for c in choices] == ["620100", "DB25:620100", "DB25:621000"]
    assert [c[1] for c in choices] == [
        "DB07 · Computerprogrammering",
        "DB25 · Noget andet",
        "DB25 · Computerprogrammering",
    ]
    con.execute("INSERT INTO industry_key VALUES ('620100', '621000')")
    assert industry_choices(con) == [("620100", "Computerprogrammering", [])]


def test_cli_industry_keeps_working(con, tmp_path: Path, capsys):
    con.close()
    path = tmp_path / "c.duckdb"
    args = ["search", "companies", "--cache", str(path), "--format", "json"]
    assert main([*args, "--industry", "62.01"]) == 0
    rows = json.loads(capsys.readouterr().out)["items"]
    assert sorted(r["cvr"] for r in rows) == ["10000001", "10000004"]
    assert {r["industry_system"] for r in rows} == {"DB07", None}
    assert main([*args, "--industry", "DB25:62"]) == 0
    out = json.loads(capsys.readouterr().out)["items"]
    assert sorted(r["cvr"] for r in out) == ["10000002", "10000003"]
    assert main([*args, "--industry", "DB99:62"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "DB99:62" in err


def test_older_cache_gets_the_system_from_its_cvr_history(tmp_path: Path):
    path = tmp_path / "old.duckdb"
    raw = duckdb.connect(str(path))
    raw.execute("CREATE TABLE schema_version (version INTEGER, applied_at TIMESTAMP)")
    # a cache from before the industry systems (later migrations follow on connect)
    before = MIGRATIONS[: MIGRATIONS.index(MIGRATION_INDUSTRY_SYSTEMS)]
    for version, statements in enumerate(before, start=1):
        for statement in statements:
            raw.execute(statement)
        raw.execute("INSERT INTO schema_version VALUES (?, now())", [version])
    raw.execute(
        "INSERT INTO companies (rid, cvr, pnr, industry_code) VALUES "
        "(1, '1', '10', '621000'), (2, '1', '11', '620100'), (3, '2', NULL, NULL)"
    )
    raw.execute(
        "INSERT INTO company_history VALUES "
        "('1', '10', 'branche', '620100 Computerprogrammering', '2008-01-01', '2024-12-31', 'cvr'),"
        "('1', '10', 'branche', '621000 Computerprogrammering', '2025-01-01', NULL, 'cvr'),"
        "('1', '11', 'branche', '620100 Computerprogrammering', '2008-01-01', NULL, 'cvr')"
    )
    raw.execute("INSERT INTO industries VALUES ('62', 'It (DB07)', 2, 'J')")
    raw.execute("INSERT INTO industries_db25 VALUES ('62', 'It (DB25)', 2, 'K')")
    raw.close()

    con = cache.connect(path)
    assert cache.schema_version(con) == SCHEMA_VERSION
    assert con.execute("SELECT rid, industry_system FROM companies ORDER BY rid").fetchall() == [
        (1, "DB25"),
        (2, "DB07"),
        (3, None),
    ]
    assert con.execute(
        "SELECT system, code, title, parent_code FROM industries ORDER BY system"
    ).fetchall() == [("DB07", "62", "It (DB07)", "J"), ("DB25", "62", "It (DB25)", "K")]
    assert con.execute("SELECT count(*) FROM industries_db25").fetchone() == (1,)
    con.close()


def test_demo_companies_are_db07(small_demo_con):
    assert small_demo_con.execute("SELECT DISTINCT industry_system FROM companies").fetchall() == [
        ("DB07",)
    ]
    assert small_demo_con.execute("SELECT DISTINCT system FROM industries").fetchall() == [
        ("DB07",)
    ]
