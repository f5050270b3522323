"""Saved searches: a consultant's personal filter templates, re-run with one click. No Qt.

A saved search is a :class:`~workbench.core.filters.Filter` stored as JSON under a name,
per owner (the OS user or ``[user] name``) and entity. The reference date (``today``) is
not saved: a template like "unemployed more than 6 months" means six months before the day
it is re-run, not before the day it was saved.
"""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import duckdb

from .errors import WorkbenchError
from .filters import ENTITIES, Filter
from .store import Store


class SavedSearchError(WorkbenchError, ValueError):
    """Bad input for a saved search (no name, unknown entity, no such search)."""


def current_user(settings: Any = None) -> str:
    """The owner of personal work: ``[user] name`` when configured, else the OS user."""
    name = ""
    if settings is not None:
        name = str(settings.get("user.name") or "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no user name in a stripped-down environment
            name = ""
    return name or "ukendt"


@dataclass(frozen=True)
class SavedSearch:
    name: str
    owner: str
    entity: str
    filter: Filter
    created: datetime
    last_run: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "owner": self.owner,
            "entity": self.entity,
            "filter": self.filter.to_dict(),
            "created": self.created.isoformat(),
            "last_run": self.last_run.isoformat() if self.last_run else None,
        }


def _con(store: Store | duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    return Store.wrap(store).con


def template_filter(flt: Filter) -> Filter:
    """``flt`` as a template: validated, without the reference date."""
    return replace(flt.normalised(), today=None)


def save_search(
    store: Store | duckdb.DuckDBPyConnection,
    name: str,
    flt: Filter,
    *,
    entity: str = "candidates",
    owner: str | None = None,
) -> SavedSearch:
    """Store ``flt`` as ``name`` for ``owner`` (replacing one of the same name)."""
    name = (name or "").strip()
    if not name:
        raise SavedSearchError("a saved search needs a name")
    if entity not in ENTITIES:
        raise SavedSearchError(f"unknown entity {entity!r}; use one of {', '.join(ENTITIES)}")
    owner = owner or current_user()
    text = json.dumps(template_filter(flt).to_dict(), ensure_ascii=False, sort_keys=True)
    con = _con(store)
    with Store.wrap(store).transaction():
        con.execute("DELETE FROM saved_searches WHERE owner = ? AND name = ?", [owner, name])
        con.execute(
            "INSERT INTO saved_searches (name, owner, entity, filter_json, created, last_run) "
            "VALUES (?, ?, ?, ?, ?, NULL)",
            [name, owner, entity, text, datetime.now().replace(microsecond=0)],
        )
    return load_search(store, name, owner=owner)


def _from_row(row: tuple[Any, ...]) -> SavedSearch:
    return SavedSearch(row[0], row[1], row[2], Filter.from_dict(json.loads(row[3])), row[4], row[5])


_COLUMNS = "name, owner, entity, filter_json, created, last_run"


def load_search(
    store: Store | duckdb.DuckDBPyConnection, name: str, *, owner: str | None = None
) -> SavedSearch:
    owner = owner or current_user()
    row = (
        _con(store)
        .execute(
            f"SELECT {_COLUMNS} FROM saved_searches WHERE owner = ? AND name = ?", [owner, name]
        )
        .fetchone()
    )
    if row is None:
        raise SavedSearchError(f"no saved search named {name!r}")
    return _from_row(row)


def list_searches(
    store: Store | duckdb.DuckDBPyConnection,
    *,
    owner: str | None = None,
    entity: str | None = None,
) -> list[SavedSearch]:
    """The owner's saved searches (of one entity when given), by name."""
    owner = owner or current_user()
    # The owner and entity are matched here, not bound: the window lists the searches
    # before its first paint, which binds no parameter (DuckDB imports pandas at the first
    # one, issue #17); a user's searches are a few rows.
    rows = (
        _con(store)
        .execute(f"SELECT {_COLUMNS} FROM saved_searches ORDER BY lower(name), name")
        .fetchall()
    )
    return [
        _from_row(r)
        for r in rows
        if owner is not None and r[1] == owner and (entity is None or r[2] == entity)
    ]


def delete_search(
    store: Store | duckdb.DuckDBPyConnection, name: str, *, owner: str | None = None
) -> bool:
    owner = owner or current_user()
    gone = (
        _con(store)
        .execute(
            "DELETE FROM saved_searches WHERE owner = ? AND name = ? RETURNING name",
            [owner, name],
        )
        .fetchall()
    )
    return bool(gone)


def rerun_search(
    store: Store | duckdb.DuckDBPyConnection, name: str, *, owner: str | None = None
) -> SavedSearch:
    """Mark ``name`` as run now and return it; run its ``filter`` (e.g. with
    ``Workspace.set_filter``) to get the rows."""
    saved = load_search(store, name, owner=owner)
    now = datetime.now().replace(microsecond=0)
    _con(store).execute(
        "UPDATE saved_searches SET last_run = ? WHERE owner = ? AND name = ?",
        [now, saved.owner, saved.name],
    )
    return replace(saved, last_run=now)
