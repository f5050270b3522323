"""Reverse search: for one candidate, the companies near home that could hire them. No Qt.

1. **Occupations**: the candidate's occupation codes; a posting is in them when its
   ``occupation_code`` starts with one (the search filter's rule: a code matches itself
   and the codes below it).
2. **Industries**: the industry codes of the companies (any unit of the posting's CVR) that
   posted in those occupations, at any time. With a DB07<->DB25 key (``industry_key``) a
   code also covers its counterpart in the other system.
3. **Companies**: production units in those industries within ``radius_km`` (straight
   line, EPSG:25832) of the candidate's home, not closed (bankrupt, dissolved, ceased).
4. **Ranking**, transparent and stable: the company's postings in the candidate's
   occupations in the last ``months`` months (more first), then its collaboration status
   (active, former, none: :mod:`workbench.core.collaboration`, per company), then all its
   postings in that window, then distance, then CVR/P-number. Postings count per company
   (CVR), like collaborations.

Each lead carries its reasons as keys with values (:class:`Reason`); the window words them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import numpy as np

from . import collaboration as collab
from .errors import WorkbenchError
from .industries import format_industry_code
from .store import Store

DEFAULT_RADIUS_KM = 25.0
DEFAULT_MONTHS = 12
# CVR statuses of companies that no longer hire (UNDER KONKURS, OPHØRT, OPLØST ...).
_CLOSED = ("KONKURS", "OPHØR", "OPLØS", "LIKVIDATION", "TVANGS")


class ReverseSearchError(WorkbenchError, ValueError):
    """The candidate is unknown or has no home on the map."""


@dataclass(frozen=True)
class Reason:
    key: str  # postings | collaboration_active | collaboration_former | industry | distance
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Lead:
    rid: int
    cvr: str
    pnr: str | None
    name: str | None
    industry_code: str | None
    industry_text: str | None
    x: float
    y: float
    distance_km: float
    postings: int  # in the candidate's occupations, in the window
    all_postings: int  # every posting of the company in the window
    collaboration: str  # a collaboration.STATUS_KEYS value
    reasons: list[Reason]

    def to_json(self) -> dict[str, Any]:
        return {
            "rid": self.rid,
            "cvr": self.cvr,
            "pnr": self.pnr,
            "name": self.name,
            "industry_code": self.industry_code,
            "distance_km": round(self.distance_km, 2),
            "postings": self.postings,
            "all_postings": self.all_postings,
            "collaboration": self.collaboration,
            "reasons": [{"key": r.key, **r.values} for r in self.reasons],
        }


@dataclass(frozen=True)
class ReverseSearchResult:
    candidate_id: str
    home: tuple[float, float]
    radius_km: float
    since: date  # start of the postings window
    occupations: list[str]
    industries: list[tuple[str, str]]  # (system, code) of the posting companies
    leads: list[Lead]  # ranked

    def filter_industries(self) -> tuple[str, ...]:
        """The industries as filter codes (``Filter.industries``; DB25 qualified)."""
        return tuple(format_industry_code(s, c) for s, c in self.industries)

    @property
    def rids(self) -> np.ndarray:
        """The leads' company row ids in rank order (the company table, the map)."""
        return np.asarray([lead.rid for lead in self.leads], dtype=np.int64)


def _closed_sql(t: str) -> str:
    return " OR ".join(f"upper(coalesce({t}.status, '')) LIKE '%{w}%'" for w in _CLOSED)


def reverse_search(
    store: Store | duckdb.DuckDBPyConnection,
    candidate_id: str,
    *,
    radius_km: float = DEFAULT_RADIUS_KM,
    months: int = DEFAULT_MONTHS,
    today: date | None = None,
    limit: int | None = 500,
    cursor: duckdb.DuckDBPyConnection | None = None,
) -> ReverseSearchResult:
    """The ranked companies for ``candidate_id`` (see the module's rules). Pass the worker
    thread's ``cursor`` when not on the connection's thread."""
    st = Store.wrap(store)
    con = cursor if cursor is not None else st.con
    if not radius_km > 0:
        raise ReverseSearchError(f"radius must be positive, got {radius_km}")
    row = con.execute(
        "SELECT x, y, occupation_codes FROM candidates WHERE candidate_id = ? LIMIT 1",
        [candidate_id],
    ).fetchone()
    if row is None:
        raise ReverseSearchError(f"unknown candidate {candidate_id!r}")
    if row[0] is None or row[1] is None:
        raise ReverseSearchError(f"candidate {candidate_id!r} has no home on the map")
    hx, hy = float(row[0]), float(row[1])
    occupations = sorted({str(c) for c in (row[2] or []) if c})
    today = today or st.reference_date()
    since = collab.months_before(today, months)
    industries = [
        (str(s), str(c))
        for s, c in con.execute(
            """
            SELECT DISTINCT coalesce(c.industry_system, 'DB07'), c.industry_code
            FROM job_postings p JOIN companies c ON c.cvr = p.cvr
            WHERE c.industry_code IS NOT NULL
              AND EXISTS (SELECT 1 FROM unnest(?::VARCHAR[]) o(code)
                          WHERE starts_with(p.occupation_code, o.code))
            ORDER BY 1, 2
            """,
            [occupations],
        ).fetchall()
    ]
    result = ReverseSearchResult(candidate_id, (hx, hy), radius_km, since, occupations, [], [])
    if not industries:
        return ReverseSearchResult(**{**result.__dict__, "industries": industries})
    r = radius_km * 1000.0
    rows = con.execute(
        f"""
        WITH inds AS (
            SELECT unnest(?::VARCHAR[]) AS system, unnest(?::VARCHAR[]) AS code
        ), wanted AS (
            SELECT system, code FROM inds
            UNION SELECT 'DB25', k.db25_code FROM industry_key k
                  JOIN inds i ON i.system = 'DB07' AND i.code = k.db07_code
            UNION SELECT 'DB07', k.db07_code FROM industry_key k
                  JOIN inds i ON i.system = 'DB25' AND i.code = k.db25_code
        ), recent AS (
            SELECT p.cvr,
                   count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM unnest(?::VARCHAR[]) o(code)
                       WHERE starts_with(p.occupation_code, o.code))) AS matching,
                   count(*) AS total
            FROM job_postings p WHERE p.posted >= ? AND p.cvr IS NOT NULL GROUP BY p.cvr
        ), near AS (
            SELECT c.*, sqrt((c.x - ?) ^ 2 + (c.y - ?) ^ 2) / 1000.0 AS km
            FROM companies c
            JOIN wanted w ON w.system = coalesce(c.industry_system, 'DB07')
                         AND w.code = c.industry_code
            WHERE c.x BETWEEN ? AND ? AND c.y BETWEEN ? AND ?
              AND NOT ({_closed_sql("c")})
        )
        SELECT n.rid, n.cvr, n.pnr, n.name, n.industry_code, n.industry_text, n.x, n.y, n.km,
               coalesce(r.matching, 0) AS matching, coalesce(r.total, 0) AS total,
               {collab.status_case_sql("n")} AS status,
               (SELECT list(DISTINCT cb.kind ORDER BY cb.kind) FROM collaborations cb
                WHERE cb.cvr = n.cvr AND cb.kind IS NOT NULL) AS kinds
        FROM near n LEFT JOIN recent r ON r.cvr = n.cvr
        WHERE n.km <= ?
        ORDER BY matching DESC, status, total DESC, n.km, n.cvr, n.pnr NULLS FIRST, n.rid
        {"LIMIT ?" if limit is not None else ""}
        """,
        [
            [s for s, _ in industries],
            [c for _, c in industries],
            occupations,
            since,
            hx,
            hy,
            hx - r,
            hx + r,
            hy - r,
            hy + r,
            today,
            radius_km,
            *([int(limit)] if limit is not None else []),
        ],
    ).fetchall()
    leads = [_lead(row, months) for row in rows]
    return ReverseSearchResult(
        candidate_id, (hx, hy), radius_km, since, occupations, industries, leads
    )


def _lead(row: tuple[Any, ...], months: int) -> Lead:
    rid, cvr, pnr, name, code, text, x, y, km, matching, total, status, kinds = row
    status_key = collab.STATUS_KEYS[int(status)]
    reasons: list[Reason] = []
    if matching:
        reasons.append(Reason("postings", {"count": int(matching), "months": months}))
    if status_key != "none":
        reasons.append(Reason(f"collaboration_{status_key}", {"kinds": list(kinds or [])}))
    reasons.append(Reason("industry", {"code": code, "text": text or ""}))
    reasons.append(Reason("distance", {"km": round(float(km), 1)}))
    return Lead(
        int(rid),
        str(cvr),
        pnr,
        name,
        code,
        text,
        float(x),
        float(y),
        float(km),
        int(matching),
        int(total),
        status_key,
        reasons,
    )
