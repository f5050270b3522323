"""Finding a company (production unit) by name, CVR number or P-number.

The window's search field asks this as the user types; it returns a few units, the best
first: an exact CVR (8 digits) or P-number (10 digits) first, then names that start with the
text, then names that contain it (larger units first: the one a consultant means is usually
the bigger one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .store.rows import person_rows

_DIGITS = re.compile(r"^\d+$")
_HIT_COLUMNS = ["rid", "cvr", "pnr", "name", "address", "postnr", "x", "y"]


@dataclass(frozen=True)
class CompanyHit:
    rid: int
    cvr: str | None
    pnr: str | None
    name: str | None
    address: str | None
    postnr: str | None
    x: float | None
    y: float | None

    def label(self) -> str:
        """One line for a list of suggestions: name, CVR, P-number, address."""
        place = " ".join(p for p in (self.address, self.postnr) if p)
        parts = [self.name or "", f"CVR {self.cvr}" if self.cvr else ""]
        if self.pnr:
            parts.append(f"P {self.pnr}")
        if place:
            parts.append(place)
        return " · ".join(p for p in parts if p)


def find_companies(con: Any, text: str, limit: int = 20) -> list[CompanyHit]:
    """Units whose CVR or P-number is ``text`` (spaces ignored) or whose name contains it."""
    query = text.strip()
    if not query:
        return []
    compact = re.sub(r"\s+", "", query)
    if _DIGITS.match(compact):
        # A number: CVR and P-numbers by prefix (the user may still be typing).
        where = "starts_with(t.cvr, ?) OR starts_with(t.pnr, ?)"
        params: list[Any] = [compact, compact]
        order = "(t.cvr = ? OR t.pnr = ?) DESC, t.cvr, t.pnr NULLS FIRST"
        order_params: list[Any] = [compact, compact]
    else:
        # ILIKE with the user's text as a parameter; % and _ in a name are matched literally.
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where = "t.name ILIKE ? ESCAPE '\\'"
        params = [pattern]
        order = "starts_with(lower(t.name), lower(?)) DESC, t.employees DESC NULLS LAST, t.name, t.cvr, t.pnr NULLS FIRST"
        order_params = [query]
    rids = [
        r[0]
        for r in con.execute(
            f"SELECT t.rid FROM companies t WHERE {where} ORDER BY {order} LIMIT ?",
            [*params, *order_params, int(limit)],
        ).fetchall()
    ]
    # The rows through the Store's one person-row read, in the order found.
    rows = person_rows(con, "companies", rids, _HIT_COLUMNS)
    return [CompanyHit(**row) for row in rows]
