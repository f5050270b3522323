"""The filters the suite measures, drawn from the cache so that every run hits real rows.

Candidates: occupation + qualification + unemployment range + municipality set.
Companies: industry + size + collaboration status. The same criteria go to the peers as a
subset string (``peer_expressions``) on the GeoPackage that ``peer_data`` writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from workbench.core.filters import Filter, Range

COLLABORATION_CYCLE = ("none", "any", "active", "former")
SIZE_RANGES = ((1, 9), (5, 49), (10, 249), (50, None))


@dataclass(frozen=True)
class BenchFilters:
    """``repeat`` varied filters per layer, and what they select for the peers."""

    candidates: list[Filter]
    companies: list[Filter]

    def peer_expressions(self) -> dict[str, list[str]]:
        """The same filters as OGR SQL subset strings on the GeoPackage's columns."""
        return {
            "candidates": [candidate_expression(f) for f in self.candidates],
            "companies": [company_expression(f) for f in self.companies],
        }


def _codes(cur: Any, sql: str) -> list[str]:
    return [str(r[0]) for r in cur.execute(sql).fetchall() if r[0] is not None]


def bench_filters(cur: Any, today: date, repeat: int) -> BenchFilters:
    """Varied filters over the most common codes, so that each one matches something."""
    occ = _codes(
        cur,
        "SELECT c FROM (SELECT unnest(occupation_codes) AS c FROM candidates) "
        "GROUP BY c ORDER BY count(*) DESC, c LIMIT 12",
    )
    qual = _codes(
        cur,
        "SELECT q FROM (SELECT unnest(qualification_codes) AS q FROM candidates) "
        "GROUP BY q ORDER BY count(*) DESC, q LIMIT 12",
    )
    munis = _codes(
        cur,
        "SELECT kommune_kode FROM candidates WHERE kommune_kode IS NOT NULL "
        "GROUP BY kommune_kode ORDER BY count(*) DESC, kommune_kode",
    )
    industries = _codes(
        cur,
        "SELECT substr(industry_code, 1, 2) AS i FROM companies WHERE industry_code IS NOT NULL "
        "GROUP BY i ORDER BY count(*) DESC, i LIMIT 12",
    )
    cand: list[Filter] = []
    comp: list[Filter] = []
    for i in range(repeat):
        f = Filter(today=today)
        if occ:
            f = f.with_(occupations=(occ[i % len(occ)],))
        if qual:
            f = f.with_(qualifications=(qual[(i * 5) % len(qual)],))
        if munis:
            start = (i * 7) % len(munis)
            f = f.with_(municipalities=tuple((munis * 2)[start : start + 12]))
        cand.append(f.with_(unemployed_days=Range(30 + 15 * (i % 6), 540 + 30 * (i % 7))))
        g = Filter(today=today)
        if industries:
            g = g.with_(industries=(industries[i % len(industries)],))
        lo, hi = SIZE_RANGES[i % len(SIZE_RANGES)]
        g = g.with_(employees=Range(lo, hi), collaboration=(COLLABORATION_CYCLE[i % 4],))
        comp.append(g)
    return BenchFilters(cand, comp)


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def candidate_expression(f: Filter) -> str:
    """OGR SQL for a candidate filter; the list columns are stored as ``,a,b,`` text."""
    today = f.today or date.today()
    parts = [f"occupations LIKE '%,{c}%'" for c in f.occupations]
    parts += [f"qualifications LIKE '%,{q},%'" for q in f.qualifications]
    if f.municipalities:
        parts.append(f"kommune_kode IN ({_quoted(f.municipalities)})")
    days = f.unemployed_days
    if days is not None and days.min is not None:
        parts.append(f"unemployed_since <= '{today - timedelta(days=days.min)}'")
    if days is not None and days.max is not None:
        parts.append(f"unemployed_since >= '{today - timedelta(days=days.max)}'")
    return " AND ".join(parts) or "1 = 1"


def company_expression(f: Filter) -> str:
    """OGR SQL for a company filter; ``collaboration`` holds the company's state class."""
    parts = [f"industry_code LIKE '{i}%'" for i in f.industries]
    if f.employees is not None and f.employees.min is not None:
        parts.append(f"employees >= {int(f.employees.min)}")
    if f.employees is not None and f.employees.max is not None:
        parts.append(f"employees <= {int(f.employees.max)}")
    for state in f.collaboration:
        if state == "any":
            parts.append("collaboration IN ('active', 'former')")
        else:
            parts.append(f"collaboration = '{state}'")
    return " AND ".join(parts) or "1 = 1"


def company_spec(f: Filter) -> dict[str, Any]:
    """A company filter as plain values for the geopandas peer (pandas masks)."""
    return {
        "industries": list(f.industries),
        "employees": [
            f.employees.min if f.employees else None,
            f.employees.max if f.employees else None,
        ],
        "collaboration": list(f.collaboration),
    }
