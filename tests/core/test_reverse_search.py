"""Reverse search against an independent computation in plain Python over the raw tables."""

from __future__ import annotations

import math
from datetime import date

import pytest

from tests.conftest import DEMO_TODAY
from workbench.core.reverse_search import ReverseSearchError, reverse_search


def _expected(con, candidate_id: str, radius_km: float, since: date) -> list[tuple]:
    hx, hy, occs = con.execute(
        "SELECT x, y, occupation_codes FROM candidates WHERE candidate_id = ?", [candidate_id]
    ).fetchone()
    postings = con.execute("SELECT cvr, occupation_code, posted FROM job_postings").fetchall()
    companies = con.execute(
        "SELECT rid, cvr, pnr, x, y, coalesce(industry_system, 'DB07'), industry_code, status "
        "FROM companies"
    ).fetchall()
    collabs = con.execute("SELECT cvr, ended, status FROM collaborations").fetchall()

    def in_occ(code: str | None) -> bool:
        return code is not None and any(code.startswith(o) for o in occs)

    posting_cvrs = {cvr for cvr, code, _ in postings if in_occ(code)}
    industries = {(c[5], c[6]) for c in companies if c[1] in posting_cvrs and c[6] is not None}
    matching: dict[str, int] = {}
    total: dict[str, int] = {}
    for cvr, code, posted in postings:
        if posted is not None and posted >= since:
            total[cvr] = total.get(cvr, 0) + 1
            matching[cvr] = matching.get(cvr, 0) + in_occ(code)
    status: dict[str, int] = {}
    for cvr, ended, st in collabs:
        active = ended is None or ended >= DEMO_TODAY or (st or "").lower() == "aktiv"
        status[cvr] = min(status.get(cvr, 1), 0 if active else 1)
    out = []
    for rid, cvr, _pnr, x, y, system, code, st in companies:
        if x is None or (system, code) not in industries:
            continue
        if any(w in (st or "").upper() for w in ("KONKURS", "OPHØR", "OPLØS", "LIKVIDATION")):
            continue
        km = math.hypot(x - hx, y - hy) / 1000
        if km <= radius_km:
            key = (-matching.get(cvr, 0), status.get(cvr, 2), -total.get(cvr, 0), km, cvr)
            out.append((key, rid, matching.get(cvr, 0), ("active", "former", "none")[key[1]]))
    out.sort(key=lambda t: (t[0], t[1]))
    return [(rid, n, s) for _, rid, n, s in out]


@pytest.mark.parametrize("radius_km", [8.0, 25.0])
def test_reverse_search_agrees_with_independent_computation(small_demo_con, radius_km) -> None:
    ids = [
        r[0]
        for r in small_demo_con.execute(
            "SELECT candidate_id FROM candidates WHERE x IS NOT NULL ORDER BY candidate_id LIMIT 6"
        ).fetchall()
    ]
    found_any = False
    for cid in ids:
        res = reverse_search(small_demo_con, cid, radius_km=radius_km, today=DEMO_TODAY, limit=None)
        assert res.since == date(2025, 11, 1)
        got = [(lead.rid, lead.postings, lead.collaboration) for lead in res.leads]
        assert got == _expected(small_demo_con, cid, radius_km, res.since)
        found_any |= any(lead.postings for lead in res.leads)
        for lead in res.leads:
            assert lead.distance_km <= radius_km
            keys = [r.key for r in lead.reasons]
            assert ("postings" in keys) == (lead.postings > 0)
            assert keys[-2:] == ["industry", "distance"]
        assert list(res.rids) == [lead.rid for lead in res.leads]
    assert found_any


def test_errors(small_demo_con) -> None:
    with pytest.raises(ReverseSearchError, match="unknown candidate 'X'"):
        reverse_search(small_demo_con, "X")
    small_demo_con.execute(
        "UPDATE candidates SET x = NULL, y = NULL WHERE candidate_id = 'DEMO-0000001'"
    )
    with pytest.raises(ReverseSearchError, match="no home on the map"):
        reverse_search(small_demo_con, "DEMO-0000001")
    with pytest.raises(ReverseSearchError, match="radius must be positive"):
        reverse_search(small_demo_con, "DEMO-0000002", radius_km=0)


def test_candidate_without_matching_postings_gets_no_leads(small_demo_con) -> None:
    small_demo_con.execute(
        "UPDATE candidates SET occupation_codes = ['0000'] WHERE candidate_id = 'DEMO-0000002'"
    )
    res = reverse_search(small_demo_con, "DEMO-0000002", today=DEMO_TODAY)
    assert res.leads == [] and res.industries == [] and res.occupations == ["0000"]
