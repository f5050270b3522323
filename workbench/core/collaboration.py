"""What a company's collaboration status is: the one definition that the filter, the map's
colouring, the command line and the company details share. No Qt.

- **Per company.** A collaboration registered on any production unit of a company (or on
  the company without a unit) counts for the company and so for each of its units: the
  consultant asks "do we work with this company?", and a unit of a company we work with is
  not a cold lead. The details say at which unit (:func:`collaboration_summary`).
- **Active** on a day: not ended (``ended`` NULL or on/after the day) or marked ``aktiv``.
  **Former**: the company has collaborations, none active. **None**: it has none.
- **Time window** (``since``): only collaborations still running on or after that day count,
  i.e. those active on ``since`` by the definition above ("no collaboration in the last N
  months" = none active on any day since then).
- **Scope**: the user's own jobcenter, the other jobcenters, or all.

The SQL fragments use the alias ``cb`` over ``collaborations`` or ``company_collaborations``
(both have ``cvr``/``rid``, ``kind``, ``jobcenter``, ``ended`` and ``status``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

# Class keys in the order of the colouring's classes (index = class number).
STATUS_KEYS: tuple[str, ...] = ("active", "former", "none")


def active_sql(cb: str = "cb") -> str:
    """True for a collaboration active on the day given as the one ``?`` parameter."""
    return f"({cb}.ended IS NULL OR {cb}.ended >= ? OR lower({cb}.status) = 'aktiv')"


def counting_sql(
    *,
    kinds: tuple[str, ...] | list[str] = (),
    scope: str = "all",
    jobcenter: str | None = None,
    since: date | None = None,
    cb: str = "cb",
) -> tuple[str, list[Any]]:
    """The condition (and its parameters) on a collaboration ``cb`` that it counts: of one
    of ``kinds`` (any kind when empty), in ``scope`` and, with ``since``, in the window."""
    parts: list[str] = []
    params: list[Any] = []
    if scope == "own":
        parts.append(f"{cb}.jobcenter = ?")
        params.append(jobcenter)
    elif scope == "other":
        parts.append(f"{cb}.jobcenter IS DISTINCT FROM ?")
        params.append(jobcenter)
    if kinds:
        parts.append(f"{cb}.kind IN ({', '.join('?' for _ in kinds)})")
        params.extend(kinds)
    if since is not None:
        parts.append(active_sql(cb))
        params.append(since)
    return (" AND ".join(parts) if parts else "TRUE"), params


def status_case_sql(t: str = "t") -> str:
    """A CASE over the company row ``t`` giving its class index in :data:`STATUS_KEYS`
    (0 active, 1 former, 2 none); one ``?`` parameter: the reference date."""
    return (
        f"CASE WHEN {t}.cvr IN (SELECT cb.cvr FROM collaborations cb WHERE {active_sql('cb')}) "
        f"THEN 0 WHEN {t}.cvr IN (SELECT cb.cvr FROM collaborations cb) THEN 1 ELSE 2 END"
    )


def collaboration_summary(
    collaborations: list[dict[str, Any]], pnr: str | None, today: date
) -> dict[str, Any]:
    """The company's status and where its collaborations are, from its collaboration rows
    (as :func:`workbench.core.company_detail.company_detail` reads them).

    Keys: ``status`` (a :data:`STATUS_KEYS` key, for the company), ``at_unit`` (this unit
    ``pnr`` has collaborations of its own), ``other_units`` (P-numbers of the other units
    with collaborations, sorted) and ``company_level`` (collaborations without a unit).
    Mirrors :func:`active_sql`; tests hold the two to the same answer.
    """

    def active(c: dict[str, Any]) -> bool:
        ended = c.get("ended")
        return ended is None or ended >= today or str(c.get("status") or "").lower() == "aktiv"

    if not collaborations:
        status = "none"
    elif any(active(c) for c in collaborations):
        status = "active"
    else:
        status = "former"
    units = {str(c["pnr"]) for c in collaborations if c.get("pnr") not in (None, "")}
    return {
        "status": status,
        "at_unit": pnr is not None and pnr in units,
        "other_units": sorted(units - {pnr}) if pnr is not None else sorted(units),
        "company_level": any(c.get("pnr") in (None, "") for c in collaborations),
    }


def months_before(day: date, months: int) -> date:
    """``day`` moved back by whole calendar months (the 31st becomes the month's last day):
    the start of the panel's "in the last N months" window."""
    total = day.year * 12 + (day.month - 1) - int(months)
    year, month = divmod(total, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - date.resolution).day
    return date(year, month, min(day.day, last))


def unit_collaborations(con: Any, cvr: str, pnr: str | None, limit: int = 20) -> list[tuple]:
    """``(kind, jobcenter, started, ended)`` of the collaborations registered on company
    ``cvr`` (on the unit ``pnr`` or the whole company), newest first."""
    return con.execute(
        "SELECT kind, jobcenter, started, ended FROM collaborations WHERE cvr = ? "
        "AND (pnr IS NULL OR ? IS NULL OR pnr = ?) ORDER BY started DESC LIMIT ?",
        [cvr, pnr, pnr, int(limit)],
    ).fetchall()
