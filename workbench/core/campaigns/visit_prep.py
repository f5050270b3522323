""" "Forbered besøg" (prepare a visit) and the company overview's time series for one
company: what is ongoing with it, its campaigns, its collaboration timeline (own and other
jobcentres), postings per month, size history, and how many candidates of the jobcenter
match its typical postings (the campaign score's supply rule, for one unit)."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import duckdb

from .. import collaboration as collab
from ..company_detail import two_years_before
from .model import DEFAULT_RADIUS_KM, STATUSES
from .ranking import has_table
from .supply import CELL_M


def _rows(cur: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    rel = cur.execute(sql, params)
    names = [d[0] for d in rel.description]
    return [dict(zip(names, r, strict=True)) for r in rel.fetchall()]


def typical_occupations(cur: duckdb.DuckDBPyConnection, cvr: str, today: date) -> list[str]:
    """The occupation codes of the company's postings in the last two years."""
    rows = cur.execute(
        "SELECT DISTINCT occupation_code FROM job_postings WHERE cvr = ? AND posted >= ? "
        "AND posted <= ? AND occupation_code IS NOT NULL ORDER BY 1",
        [cvr, two_years_before(today), today],
    ).fetchall()
    return [r[0] for r in rows]


def supply_near(
    cur: duckdb.DuckDBPyConnection,
    x: float | None,
    y: float | None,
    codes: list[str],
    *,
    jobcenter: str | None,
    radius_km: float = DEFAULT_RADIUS_KM,
) -> int:
    """Distinct candidates (of ``jobcenter`` when given) within ``radius_km`` of (x, y)
    holding a code that starts with one of ``codes`` (the campaign score's grid rule)."""
    if x is None or y is None or not codes:
        return 0
    # The grid rule of supply.py: 1 km cells, centre to centre within the radius.
    r_cells = radius_km * 1000.0 / CELL_M
    pi, pj = math.floor(x / CELL_M), math.floor(y / CELL_M)
    cond = " OR ".join("starts_with(o.code, ?)" for _ in codes)
    jc = " AND k.jobcenter = ?" if jobcenter else ""
    params: list[Any] = [CELL_M, pi, CELL_M, pi, CELL_M, pj, CELL_M, pj, r_cells * r_cells]
    params += [jobcenter] if jobcenter else []
    params += codes
    return int(
        cur.execute(
            "SELECT count(DISTINCT k.rid) FROM candidates k "
            "JOIN candidate_occupations o ON o.rid = k.rid "
            "WHERE k.x IS NOT NULL AND k.y IS NOT NULL "
            "AND (floor(k.x / ?) - ?) * (floor(k.x / ?) - ?) "
            "+ (floor(k.y / ?) - ?) * (floor(k.y / ?) - ?) <= ?"
            f"{jc} AND ({cond})",
            params,
        ).fetchone()[0]
    )


def prepare_visit(
    cur: duckdb.DuckDBPyConnection,
    cvr: str,
    pnr: str | None = None,
    *,
    today: date,
    jobcenter: str | None = None,
    radius_km: float = DEFAULT_RADIUS_KM,
) -> dict[str, Any]:
    """Everything the consultant needs before visiting ``cvr`` (unit ``pnr``)."""
    cvr = str(cvr).strip()
    unit = cur.execute(
        "SELECT x, y, employees, employees_band FROM companies WHERE cvr = ? "
        "AND (? IS NULL OR pnr = ?) ORDER BY pnr IS NOT NULL, coalesce(employees, -1) DESC "
        "LIMIT 1",
        [cvr, pnr, pnr],
    ).fetchone()
    x, y, employees, band = unit if unit else (None, None, None, None)
    timeline = _rows(
        cur,
        f"SELECT kind, jobcenter, pnr, started, ended, status, note, "
        f"{collab.active_sql('collaborations')} AS active "
        "FROM collaborations WHERE cvr = ? ORDER BY started NULLS FIRST, kind",
        [today, cvr],
    )
    for t in timeline:
        t["own"] = jobcenter is not None and t["jobcenter"] == jobcenter
    open_postings = _rows(
        cur,
        "SELECT posting_id, title, occupation_code, posted, deadline FROM job_postings "
        "WHERE cvr = ? AND posted <= ? AND coalesce(deadline, posted + INTERVAL 60 DAY) >= ? "
        "ORDER BY posted DESC",
        [cvr, today, today],
    )
    by_month = cur.execute(
        "SELECT strftime(posted, '%Y-%m') AS month, count(*) FROM job_postings "
        "WHERE cvr = ? AND posted >= ? AND posted <= ? GROUP BY 1 ORDER BY 1",
        [cvr, two_years_before(today), today],
    ).fetchall()
    sizes = []
    if has_table(cur, "company_history"):
        sizes = _rows(
            cur,
            "SELECT value AS employees, valid_from, valid_to FROM company_history "
            "WHERE cvr = ? AND (pnr IS NULL OR pnr IS NOT DISTINCT FROM ?) "
            "AND field IN ('ansatte', 'beskaeftigelse') ORDER BY valid_from",
            [cvr, pnr],
        )
    campaigns = _rows(
        cur,
        "SELECT campaign, pnr, status, assigned_to, score, status_at, note "
        "FROM campaign_targets WHERE cvr = ? ORDER BY campaign, pnr",
        [cvr],
    )
    for c in campaigns:
        c["status_label"] = STATUSES.get(c["status"], c["status"])
    codes = typical_occupations(cur, cvr, today)
    return {
        "cvr": cvr,
        "pnr": pnr,
        "ongoing": [t for t in timeline if t["active"]],
        "timeline": timeline,
        "open_postings": open_postings,
        "postings_by_month": [{"month": m, "postings": int(n)} for m, n in by_month],
        "size_history": sizes,
        "employees": employees,
        "employees_band": band,
        "campaigns": campaigns,
        "typical_occupations": codes,
        "supply": supply_near(cur, x, y, codes, jobcenter=jobcenter, radius_km=radius_km),
        "supply_jobcenter": jobcenter,
        "radius_km": radius_km,
    }
