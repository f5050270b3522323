"""A company's detail within the user's scope (issue #15): other jobcenters'
collaborations show kind, period and jobcenter only (no status, no note) unless that
jobcenter shares its collaborations; without a jobcenter everything shows."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.conftest import DEMO_TODAY
from tests.core.privacy.conftest import OWN
from workbench.core import cache as wb_cache
from workbench.core.company_detail import company_detail
from workbench.core.store.scope import Scope


def _company_with_both(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute(
        "SELECT cvr FROM collaborations GROUP BY cvr "
        "HAVING bool_or(jobcenter = ?) AND bool_or(jobcenter <> ?) "
        "AND bool_or(jobcenter <> ? AND (status IS NOT NULL OR note IS NOT NULL)) "
        "ORDER BY cvr LIMIT 1",
        [OWN, OWN, OWN],
    ).fetchone()[0]


def test_other_jobcenters_collaborations_lose_status_and_note(small_demo_cache: Path) -> None:
    con = wb_cache.connect(small_demo_cache)
    try:
        cvr = _company_with_both(con)
        full = company_detail(con, cvr, today=DEMO_TODAY)
        scoped = company_detail(con, cvr, today=DEMO_TODAY, scope=Scope(OWN))
        assert len(full["collaborations"]) == len(scoped["collaborations"])
        assert not any(c["redacted"] for c in full["collaborations"])
        for before, after in zip(full["collaborations"], scoped["collaborations"], strict=True):
            for key in ("kind", "jobcenter", "started", "ended", "pnr"):
                assert before[key] == after[key]
            if after["jobcenter"] == OWN:
                assert not after["redacted"] and after["status"] == before["status"]
                assert after["note"] == before["note"]
            else:
                assert after["redacted"] and after["status"] is None and after["note"] is None
        assert full["collaboration"] == scoped["collaboration"]  # the company's own status
        # a jobcenter that shares its collaborations with 0101 shows them in full
        other = next(c["jobcenter"] for c in full["collaborations"] if c["jobcenter"] != OWN)
        con.execute("INSERT INTO shares VALUES ('collaborations', ?, ?, 'tl', now())", [other, OWN])
        shared = company_detail(con, cvr, today=DEMO_TODAY, scope=Scope(OWN))
        assert {c["jobcenter"] for c in shared["collaborations"] if not c["redacted"]} >= {
            OWN,
            other,
        }
    finally:
        con.close()
