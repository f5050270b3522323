"""Values the job order views show beside the order: the education names candidates have
(the form's choices) and the name of the company an order is for (the shortlist's heading).
Qt-free, so the window runs no SQL of its own."""

from __future__ import annotations

from typing import Any


def education_choices(cur: Any) -> list[str]:
    """The distinct education names in the cache, sorted."""
    rows = cur.execute(
        "SELECT DISTINCT education FROM candidates WHERE education IS NOT NULL ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def company_name(cur: Any, cvr: str | None, pnr: str | None = None) -> str:
    """The company's name (the production unit's when ``pnr`` is known), "CVR n" when the
    cache has no name, "" without a cvr."""
    if not cvr:
        return ""
    row = cur.execute(
        "SELECT name FROM companies WHERE cvr = ? "
        "ORDER BY (pnr IS NOT DISTINCT FROM ?) DESC, pnr NULLS FIRST LIMIT 1",
        [str(cvr), pnr],
    ).fetchone()
    return (row[0] if row else None) or f"CVR {cvr}"
