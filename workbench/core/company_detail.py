"""Everything the company detail pane shows, as one plain dict (Qt-free).

``company_detail(con, cvr, pnr)`` reads the cache: the current facts of the production unit
(or of the company when ``pnr`` is None), the history of names, addresses, industries,
status and form (``company_history``), all production units, job postings of the last two
years, the collaboration history with jobcenters, and the link to the public CVR page.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb

from .collaboration import collaboration_summary
from .store.rows import person_rows
from .store.scope import Scope

CVR_URL = "https://datacvr.virk.dk/enhed/virksomhed/{cvr}"

_FACT_COLUMNS = [
    "cvr",
    "pnr",
    "name",
    "address",
    "postnr",
    "kommune_kode",
    "x",
    "y",
    "industry_code",
    "industry_text",
    "industry_system",
    "industry_code_db25",
    "industry_text_db25",
    "employees",
    "employees_band",
    "status",
    "started",
    "advertising_protected",
    "company_form",
    "unit_kind",
    "placement_note",
    "source",
    "refreshed_at",
]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.cursor()
    try:
        result = cur.execute(sql, params)
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    finally:
        cur.close()


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
        ).fetchall()
    }


def two_years_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 2)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 2, day=28)


def company_detail(
    con: duckdb.DuckDBPyConnection,
    cvr: str | int,
    pnr: str | int | None = None,
    *,
    today: date | None = None,
    scope: Scope | None = None,
) -> dict[str, Any]:
    """The detail sections for company ``cvr`` (and production unit ``pnr``). With a
    ``scope`` that has a jobcenter, other jobcenters' collaborations show only kind, period
    and jobcenter (``status`` and ``note`` None, ``redacted`` True) unless that jobcenter
    shares its collaborations with the user's (a ``shares`` row of kind collaborations).

    Keys: ``cvr``, ``pnr``, ``found``, ``name``, ``current`` (dict of facts, with
    ``kommune_navn`` and ``placed``), ``history`` (list of {field, value, valid_from,
    valid_to, pnr}, newest first per field), ``production_units``, ``postings`` (posted
    within two years before ``today``, newest first), ``collaborations`` (newest first),
    ``collaboration`` (the company's status and at which units, see
    :func:`workbench.core.collaboration.collaboration_summary`) and ``cvr_url``.
    """
    cvr = str(cvr).strip()
    pnr = str(pnr).strip() if pnr not in (None, "") else None
    today = today or date.today()
    available = _columns(con, "companies")
    cols = [c for c in _FACT_COLUMNS if c in available]
    # The rows themselves through the Store's one person-row read.
    unit_rids = _rids(
        con,
        "SELECT rid FROM companies WHERE cvr = ? "
        "ORDER BY pnr IS NOT NULL, coalesce(employees, -1) DESC, pnr",
        [cvr],
    )
    units = _with_kommune_navn(con, _person_rows(con, "companies", unit_rids, cols))
    current: dict[str, Any] | None = None
    if pnr is not None:
        current = next((u for u in units if u.get("pnr") == pnr), None)
    if current is None and units:
        current = units[0]
    if current is not None:
        current = dict(current)
        current["placed"] = current.get("x") is not None and current.get("y") is not None

    history: list[dict[str, Any]] = []
    if "company_history" in _tables(con):
        history = _rows(
            con,
            "SELECT field, value, valid_from, valid_to, pnr FROM company_history "
            "WHERE cvr = ? AND (pnr IS NULL OR pnr IS NOT DISTINCT FROM ?) "
            "ORDER BY field, valid_from DESC NULLS LAST",
            [cvr, current.get("pnr") if current else pnr],
        )

    since = two_years_before(today)
    posting_cols = [
        c
        for c in (
            "posting_id",
            "pnr",
            "title",
            "occupation_code",
            "occupation_title",
            "posted",
            "deadline",
            "kommune_kode",
            "url",
        )
        if c in _columns(con, "job_postings")
    ]
    posting_rids = _rids(
        con,
        "SELECT rid FROM job_postings "
        "WHERE cvr = ? AND posted >= ? AND posted <= ? ORDER BY posted DESC, posting_id",
        [cvr, since, today + timedelta(days=1)],
    )
    postings = _person_rows(con, "postings", posting_rids, posting_cols)
    collaborations = _rows(
        con,
        "SELECT pnr, jobcenter, kind, started, ended, status, note FROM collaborations "
        "WHERE cvr = ? ORDER BY started DESC NULLS LAST, kind",
        [cvr],
    )
    summary = collaboration_summary(collaborations, current.get("pnr") if current else pnr, today)
    collaborations = visible_collaborations(con, collaborations, scope)
    production_units = [
        {
            k: u.get(k)
            for k in (
                "pnr",
                "name",
                "address",
                "postnr",
                "kommune_kode",
                "kommune_navn",
                "employees",
                "employees_band",
                "status",
                "placement_note",
            )
        }
        | {"placed": u.get("x") is not None}
        for u in units
        if u.get("pnr") is not None
    ]
    return {
        "cvr": cvr,
        "pnr": current.get("pnr") if current else pnr,
        "found": current is not None,
        "name": current.get("name") if current else None,
        "current": current or {},
        "history": history,
        "production_units": production_units,
        "postings": postings,
        "collaborations": collaborations,
        "collaboration": summary,
        "cvr_url": CVR_URL.format(cvr=cvr),
    }


def visible_collaborations(
    con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]], scope: Scope | None
) -> list[dict[str, Any]]:
    """``rows`` with status and note of other jobcenters' collaborations removed, unless
    the scope is the whole cache or that jobcenter shares its collaborations with it."""
    if scope is None or not scope.restricts:
        return [r | {"redacted": False} for r in rows]
    shared = {scope.jobcenter}
    if "shares" in _tables(con):
        shared |= {
            r["ref"]
            for r in _rows(
                con,
                "SELECT ref FROM shares WHERE kind = 'collaborations' AND jobcenter = ?",
                [scope.jobcenter],
            )
        }
    return [
        r | {"redacted": False}
        if r.get("jobcenter") in shared
        else r | {"status": None, "note": None, "redacted": True}
        for r in rows
    ]


def _rids(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[int]:
    return [next(iter(r.values())) for r in _rows(con, sql, params)]


def _person_rows(
    con: duckdb.DuckDBPyConnection, entity: str, rids: list[int], cols: list[str]
) -> list[dict[str, Any]]:
    cur = con.cursor()
    try:
        return person_rows(cur, entity, rids, cols)
    finally:
        cur.close()


def _with_kommune_navn(
    con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    codes = sorted({r["kommune_kode"] for r in rows if r.get("kommune_kode")})
    names = {}
    if codes:
        found = _rows(
            con, "SELECT kode, navn FROM municipalities WHERE kode IN (SELECT unnest(?))", [codes]
        )
        names = {r["kode"]: r["navn"] for r in found}
    return [r | {"kommune_navn": names.get(r.get("kommune_kode"))} for r in rows]


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
