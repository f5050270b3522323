"""Import profiles: column mappings saved by name in the cache (table ``import_profiles``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from workbench.core.errors import WorkbenchError

from .spec import FIELDS, ImportKind, check_kind


class ProfileError(WorkbenchError):
    """A profile does not exist, is for another kind, or is malformed (bad usage)."""


@dataclass(frozen=True)
class Profile:
    name: str
    kind: ImportKind
    mapping: dict[str, str]  # {field: column header in the file}; "" unmaps a field


def save_profile(
    con: duckdb.DuckDBPyConnection, name: str, kind: str, mapping: dict[str, str]
) -> Profile:
    """Create or replace the profile ``name``."""
    kind = check_kind(kind)
    name = name.strip()
    if not name:
        raise ProfileError("a profile needs a name")
    known = {f.name for f in FIELDS[kind]}
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise ProfileError(f"unknown field(s) for {kind}: {', '.join(unknown)}")
    clean = {k: str(v) for k, v in mapping.items() if v is not None}
    con.execute(
        "INSERT INTO import_profiles VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
        "kind = excluded.kind, mapping = excluded.mapping, created = excluded.created",
        [name, kind, json.dumps(clean, ensure_ascii=False), datetime.now(UTC).replace(tzinfo=None)],
    )
    return Profile(name, kind, clean)


def load_profile(con: duckdb.DuckDBPyConnection, name: str, kind: str | None = None) -> Profile:
    row = con.execute(
        "SELECT name, kind, mapping FROM import_profiles WHERE name = ?", [name]
    ).fetchone()
    if row is None:
        names = list_profiles(con)
        known = ", ".join(p.name for p in names) or "none saved"
        raise ProfileError(f"no import profile named {name!r} (profiles: {known})")
    if kind is not None and row[1] != kind:
        raise ProfileError(f"import profile {name!r} is for {row[1]}, not {kind}")
    try:
        mapping = json.loads(row[2])
    except json.JSONDecodeError as exc:
        raise ProfileError(f"import profile {name!r} is malformed: {exc}") from None
    return Profile(row[0], row[1], {str(k): str(v) for k, v in mapping.items()})


def list_profiles(con: duckdb.DuckDBPyConnection, kind: str | None = None) -> list[Profile]:
    rows = con.execute("SELECT name, kind, mapping FROM import_profiles ORDER BY name").fetchall()
    return [Profile(n, k, json.loads(m)) for n, k, m in rows if kind is None or k == kind]


def delete_profile(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    n = con.execute("SELECT count(*) FROM import_profiles WHERE name = ?", [name]).fetchone()[0]
    con.execute("DELETE FROM import_profiles WHERE name = ?", [name])
    return bool(n)
