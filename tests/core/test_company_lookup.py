"""Finding a company by name, CVR or P-number."""

from __future__ import annotations

from workbench.core.company_lookup import find_companies


def test_by_cvr_p_number_and_name(small_demo_con):
    rid, cvr, pnr, name = small_demo_con.execute(
        "SELECT rid, cvr, pnr, name FROM companies ORDER BY rid LIMIT 1 OFFSET 11"
    ).fetchone()
    units = small_demo_con.execute(
        "SELECT count(*) FROM companies WHERE cvr = ?", [cvr]
    ).fetchone()[0]
    by_cvr = find_companies(small_demo_con, f" {cvr[:4]} {cvr[4:]} ", limit=50)
    assert len([h for h in by_cvr if h.cvr == cvr]) == units
    assert by_cvr[0].cvr == cvr  # the exact number first
    by_pnr = find_companies(small_demo_con, pnr)
    assert by_pnr[0].rid == rid
    by_name = find_companies(small_demo_con, name.upper()[2:9])
    assert by_name and all(name.upper()[2:9].lower() in h.name.lower() for h in by_name)
    assert rid in {h.rid for h in find_companies(small_demo_con, name, limit=100)}


def test_wildcards_are_literal_and_empty_finds_nothing(small_demo_con):
    assert find_companies(small_demo_con, "%") == []
    assert find_companies(small_demo_con, "_") == []
    assert find_companies(small_demo_con, "   ") == []
    assert find_companies(small_demo_con, "'; DROP TABLE companies; --") == []
    assert small_demo_con.execute("SELECT count(*) FROM companies").fetchone()[0] > 0
