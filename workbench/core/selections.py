"""Named spatial selections (drawn on the map) kept in the cache for pools and campaigns."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from .cache import transaction
from .errors import WorkbenchError
from .filters import Filter, parse_selection, selection_json


@dataclass(frozen=True)
class SavedSelection:
    name: str
    entity: str
    selection: str  # canonical JSON
    filter: Filter | None
    candidates: int | None
    companies: int | None
    created: datetime

    def as_filter(self, base: Filter | None = None) -> Filter:
        """``base`` (or the filter saved with it, or no filter) restricted to the selection."""
        return (base or self.filter or Filter()).with_selection(self.selection)


def save_selection(
    con: duckdb.DuckDBPyConnection,
    name: str,
    selection: Any,
    *,
    entity: str = "all",
    flt: Filter | None = None,
    counts: dict[str, int] | None = None,
    replace: bool = True,
) -> SavedSelection:
    """Store ``selection`` (a Selection, dict or JSON) under ``name``."""
    import shapely

    name = (name or "").strip()
    if not name:
        raise WorkbenchError("a saved selection needs a name")
    if entity not in ("all", "candidates", "companies"):
        raise WorkbenchError(f"unknown entity {entity!r}")
    text = selection_json(selection)
    sel = parse_selection(text)
    wkb = None if sel.inverted else shapely.to_wkb(sel.geometry())
    exists = con.execute("SELECT 1 FROM saved_selections WHERE name = ?", [name]).fetchone()
    if exists and not replace:
        raise WorkbenchError(f"a selection named {name!r} exists already")
    flt_json = None
    if flt is not None:
        flt_json = json.dumps(flt.with_selection(None).to_dict(), ensure_ascii=False)
    counts = counts or {}
    created = datetime.now().replace(microsecond=0)
    with transaction(con):
        con.execute("DELETE FROM saved_selections WHERE name = ?", [name])
        con.execute(
            "INSERT INTO saved_selections VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                name,
                entity,
                text,
                wkb,
                flt_json,
                counts.get("candidates"),
                counts.get("companies"),
                created,
            ],
        )
    return load_selection(con, name)


def load_selection(con: duckdb.DuckDBPyConnection, name: str) -> SavedSelection:
    row = con.execute(
        "SELECT name, entity, selection, filter, candidates, companies, created "
        "FROM saved_selections WHERE name = ?",
        [name],
    ).fetchone()
    if row is None:
        raise WorkbenchError(f"no saved selection named {name!r}")
    flt = Filter.from_dict(json.loads(row[3])) if row[3] else None
    return SavedSelection(row[0], row[1], row[2], flt, row[4], row[5], row[6])


def list_selections(con: duckdb.DuckDBPyConnection) -> list[SavedSelection]:
    names = [
        r[0] for r in con.execute("SELECT name FROM saved_selections ORDER BY name").fetchall()
    ]
    return [load_selection(con, n) for n in names]


def delete_selection(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    n = con.execute("DELETE FROM saved_selections WHERE name = ? RETURNING name", [name]).fetchall()
    return bool(n)
