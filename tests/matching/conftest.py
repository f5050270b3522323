"""A small demo cache with a few hand-made candidates for the matching rules' edge cases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.core import cache
from workbench.core.store import Store

# Near the first placed company of the small demo (the tests read its x/y).
EXTRA = [
    # candidate_id, occupation_codes, quals, licences, languages, education, exp, searchable, dx
    ("M-SPEC", ["52231"], ["Q0046", "Q0062"], ["B"], ["Dansk"], "Lang videregående uddannelse", 5, True, 1000),
    ("M-REL", ["5221"], ["Q0046"], ["B"], ["dansk"], "Erhvervsuddannelse", 5, True, 1500),
    ("M-SECOND", ["9112", "5223"], ["Q0046"], ["B"], ["dansk"], "Erhvervsuddannelse", 5, True, 2000),
    ("M-TIE-B", ["5223"], ["Q0046"], ["B"], ["dansk"], "Erhvervsuddannelse", 3, True, 3000),
    ("M-TIE-A", ["5223"], ["Q0046"], ["B"], ["dansk"], "Erhvervsuddannelse", 3, True, 3000),
    ("M-HIDDEN", ["5223"], ["Q0046"], ["B"], ["dansk"], "Erhvervsuddannelse", 5, False, 500),
    ("M-NOCAR", ["5223"], ["Q0046", "Q0056"], [], ["dansk"], "Gymnasial uddannelse", 8, True, 4000),
    ("M-NULLS", ["5223"], [], None, None, None, None, True, None),
]  # fmt: skip
NO_COORD_CVR = "99999999"


@pytest.fixture
def match_cache(small_demo_cache: Path) -> Iterator[Path]:
    con = cache.connect(small_demo_cache)
    try:
        cvr, x0, y0 = con.execute(
            "SELECT cvr, x, y FROM companies WHERE x IS NOT NULL ORDER BY cvr, pnr LIMIT 1"
        ).fetchone()
        rid = con.execute("SELECT max(rid) FROM candidates").fetchone()[0]
        for cid, occ, quals, lic, langs, edu, exp, searchable, dx in EXTRA:
            rid += 1
            con.execute(
                "INSERT INTO candidates (candidate_id, jobcenter, kommune_kode, x, y,"
                " occupation_codes, qualification_codes, driving_licences, languages, education,"
                " experience_years, unemployed_since, target_group, cv_searchable, cv_updated,"
                " source, rid) VALUES (?, '0101', '0101', ?, ?, ?, ?, ?, ?, ?, ?,"
                " DATE '2026-01-15', 'Dagpengemodtager', ?, DATE '2026-10-01', 'test', ?)",
                [
                    cid,
                    None if dx is None else x0 + dx,
                    None if dx is None else y0,
                    occ,
                    quals,
                    lic,
                    langs,
                    edu,
                    exp,
                    searchable,
                    rid,
                ],
            )
        con.execute(
            "INSERT INTO companies (cvr, pnr, name, x, y, rid) VALUES (?, NULL, 'Uden placering',"
            " NULL, NULL, (SELECT max(rid) + 1 FROM companies))",
            [NO_COORD_CVR],
        )
        cache.rebuild_candidate_index(con)
        cache.set_meta(con, "match_test_workplace", f"{cvr};{x0};{y0}")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    yield small_demo_cache


@pytest.fixture
def match_store(match_cache: Path) -> Iterator[Store]:
    store = Store.open(match_cache)
    yield store
    store.close()


def workplace(store: Store) -> tuple[str, float, float]:
    """The company the hand-made candidates live next to: cvr, x, y."""
    cvr, x, y = cache.get_meta(store.con, "match_test_workplace").split(";")
    return cvr, float(x), float(y)
