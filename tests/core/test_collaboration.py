"""The one definition of a company's collaboration status (issue #10): per company, with a
time window and the own/other scope, the same in the filter, the cache index and details."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pytest

from tests.raw_cache import raw_connect
from workbench.core import cache
from workbench.core.collaboration import collaboration_summary, months_before
from workbench.core.company_detail import company_detail
from workbench.core.filters import Filter
from workbench.core.query import CollaborationBits, company_points, points
from workbench.core.schema import MIGRATIONS

TODAY = date(2026, 11, 1)

# A chain with two units (collaboration at the second one only), a company whose only
# collaboration ended in 2024, and one without any.
COMPANIES = [
    ("11111111", "1000000001", "Kæden Aalborg", 1),
    ("11111111", "1000000002", "Kæden Nørresundby", 2),
    ("22222222", "2000000001", "Gammel Partner", 3),
    ("33333333", "3000000001", "Ny Kontakt", 4),
]
COLLABORATIONS = [
    ("11111111", "1000000002", "0851", "løntilskud", date(2026, 3, 1), None, "aktiv"),
    ("22222222", None, "0751", "mentor", date(2023, 1, 1), date(2024, 2, 1), "afsluttet"),
]


def _fill(con: duckdb.DuckDBPyConnection) -> None:
    con.executemany(
        "INSERT INTO companies (cvr, pnr, name, kommune_kode, rid) VALUES (?, ?, ?, '0851', ?)",
        COMPANIES,
    )
    con.executemany(
        "INSERT INTO collaborations (cvr, pnr, jobcenter, kind, started, ended, status) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        COLLABORATIONS,
    )


@pytest.fixture
def con(tmp_path):
    con = cache.connect(tmp_path / "c.duckdb")
    _fill(con)
    cache.rebuild_company_index(con)
    yield con
    con.close()


def _names(con, **filter_fields) -> set[str]:
    flt = Filter(today=TODAY, **filter_fields)
    rid = points(con, "companies", flt, ordered=False).rid.tolist()
    return {name for _cvr, _pnr, name, r in COMPANIES if r in rid}


def test_a_collaboration_at_one_unit_counts_for_the_whole_company(con):
    assert _names(con, collaboration=("none",)) == {"Ny Kontakt"}
    assert _names(con, collaboration=("active",)) == {"Kæden Aalborg", "Kæden Nørresundby"}
    assert _names(con, collaboration=("former",)) == {"Gammel Partner"}


def test_time_window_and_scope(con):
    since = months_before(TODAY, 12)
    assert _names(con, collaboration=("none",), collaboration_since=since) == {
        "Gammel Partner",
        "Ny Kontakt",
    }
    assert _names(con, collaboration=("any",), collaboration_since=date(2024, 1, 1)) == {
        "Kæden Aalborg",
        "Kæden Nørresundby",
        "Gammel Partner",
    }
    own = {"collaboration_scope": "own", "jobcenter": "851"}
    assert _names(con, collaboration=("any",), **own) == {"Kæden Aalborg", "Kæden Nørresundby"}
    other = {"collaboration_scope": "other", "jobcenter": "0851"}
    assert _names(con, collaboration=("none",), **other) == {
        "Kæden Aalborg",
        "Kæden Nørresundby",
        "Ny Kontakt",
    }


def test_postings_follow_their_employer_with_the_same_window(con):
    con.executemany(
        "INSERT INTO job_postings (posting_id, cvr, posted, rid) VALUES (?, ?, ?, ?)",
        [("p1", "11111111", TODAY, 1), ("p2", "22222222", TODAY, 2)],
    )
    flt = Filter(collaboration=("none",), collaboration_since=date(2025, 1, 1), today=TODAY)
    rows = con.execute(
        "SELECT posting_id FROM job_postings WHERE rid IN (SELECT unnest(?::BIGINT[]))",
        [points(con, "postings", flt).rid.tolist()],
    ).fetchall()
    assert rows == [("p2",)]


@pytest.mark.parametrize(
    "fields",
    [
        {"collaboration": ("active",)},
        {"collaboration": ("former",)},
        {"collaboration": ("none",), "collaboration_since": date(2025, 1, 1)},
    ],
)
def test_bitmask_leaves_dated_filters_to_sql(con, fields):
    flt = Filter(today=TODAY, **fields)
    assert not CollaborationBits.applies(flt)
    bits = CollaborationBits.load(con)
    want = points(con, "companies", flt, ordered=False).rid
    np.testing.assert_array_equal(np.sort(company_points(con, flt, bits).rid), np.sort(want))


def test_old_cache_is_migrated_to_the_per_company_rule(tmp_path):
    """A cache built with the per-unit rule gets the per-company index on opening."""
    path = tmp_path / "old.duckdb"
    raw = raw_connect(path)
    raw.execute("CREATE TABLE schema_version (version INTEGER, applied_at TIMESTAMP)")
    old = MIGRATIONS.index(
        next(m for m in MIGRATIONS if any("CREATE TABLE company_collaborations" in s for s in m))
    )
    for version, migration in enumerate(MIGRATIONS[:old], start=1):
        for stmt in migration:
            raw.execute(stmt)
        raw.execute("INSERT INTO schema_version VALUES (?, now())", [version])
    _fill(raw)
    for stmt in MIGRATIONS[old]:  # the per-unit index of that version
        raw.execute(stmt)
    raw.execute("INSERT INTO schema_version VALUES (?, now())", [old + 1])
    per_unit = raw.execute("SELECT rid FROM company_collaborations ORDER BY rid").fetchall()
    raw.close()
    assert (1,) not in per_unit  # Kæden Aalborg had none under the old rule

    con = cache.connect(path)
    try:
        assert _names(con, collaboration=("none",)) == {"Ny Kontakt"}
    finally:
        con.close()


def test_details_say_which_unit(con):
    d = company_detail(con, "11111111", "1000000001", today=TODAY)
    assert d["collaboration"] == {
        "status": "active",
        "at_unit": False,
        "other_units": ["1000000002"],
        "company_level": False,
    }
    d = company_detail(con, "11111111", "1000000002", today=TODAY)
    assert d["collaboration"]["at_unit"] and d["collaboration"]["other_units"] == []
    d = company_detail(con, "22222222", "2000000001", today=TODAY)
    assert d["collaboration"]["status"] == "former" and d["collaboration"]["company_level"]
    assert company_detail(con, "33333333", today=TODAY)["collaboration"]["status"] == "none"


def test_summary_counts_a_future_end_as_active():
    rows = [{"pnr": None, "ended": date(2027, 1, 31), "status": "afsluttet"}]
    assert collaboration_summary(rows, None, TODAY)["status"] == "active"
    assert collaboration_summary(rows, None, date(2027, 2, 1))["status"] == "former"


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 11, 1), 6, date(2026, 5, 1)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 5, 31), 3, date(2024, 2, 29)),
        (date(2026, 1, 15), 1, date(2025, 12, 15)),
        (date(2026, 12, 31), 12, date(2025, 12, 31)),
    ],
)
def test_months_before(day, months, expected):
    assert months_before(day, months) == expected


def test_new_fields_survive_serialisation():
    flt = Filter(
        driving_licences=("c", "CE", "C"),
        driving_licence_match="any",
        collaboration=("former", "mentor"),
        collaboration_since=date(2026, 5, 1),
    ).normalised()
    assert flt.driving_licences == ("C", "CE")
    data = flt.to_dict()
    assert data["collaboration_since"] == "2026-05-01"
    assert Filter.from_dict(data) == flt
