"""Candidate pools (emnebanker): named groups of candidates with a note and a status per
member, optionally defined by criteria (a saved candidate filter). No Qt.

Only the pseudonymous ``candidate_id`` is kept (row ids change with every import). A member
who leaves keeps their row with ``left_at`` and ``left_reason``; the consultant removing one
by hand is the reason :data:`REMOVED`, and such a member does not rejoin by itself. How a
refresh or import changes the pools is in :mod:`workbench.core.pool_changes`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import numpy as np

from . import retention
from .errors import WorkbenchError
from .filters import Filter
from .saved_searches import current_user, template_filter
from .schema import MEMBER_JOBCENTER_SQL
from .store import Store

# Member statuses, in the order of the work (the UI's choice list).
STATUSES: tuple[str, ...] = ("ny", "kontaktet", "i forløb", "formidlet", "ikke aktuel")

# Why a member left (the stored ``left_reason``/``pool_changes.reason`` values, Danish as in
# the issue; the window translates them by these keys).
REASONS: dict[str, str] = {
    "not_unemployed": "ikke længere ledig",
    "not_searchable": "CV ikke længere søgbart",
    "moved": "flyttet",
    "no_match": "matcher ikke længere",
    "purged": "slettet efter opbevaringsfristen",
}
REMOVED = "fjernet"  # removed by the consultant


class PoolError(WorkbenchError, ValueError):
    """Bad input for a pool: no name, unknown pool, unknown candidate, bad status."""


@dataclass(frozen=True)
class Pool:
    name: str
    owner: str
    jobcenter: str | None
    note: str
    criteria: Filter | None
    created: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "owner": self.owner,
            "jobcenter": self.jobcenter,
            "note": self.note,
            "criteria": self.criteria.to_dict() if self.criteria is not None else None,
            "created": self.created.isoformat(),
        }


def _store(store: Store | duckdb.DuckDBPyConnection) -> Store:
    return Store.wrap(store)


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def create_pool(
    store: Store | duckdb.DuckDBPyConnection,
    name: str,
    *,
    owner: str | None = None,
    jobcenter: str | None = None,
    note: str = "",
    criteria: Filter | None = None,
    fill: bool = True,
) -> Pool:
    """Create the pool ``name``. With ``criteria`` and ``fill`` the candidates matching them
    now become its members (status ``ny``); later runs add who starts to match."""
    st = _store(store)
    name = (name or "").strip()
    if not name:
        raise PoolError("a pool needs a name")
    if st.con.execute("SELECT 1 FROM pools WHERE name = ?", [name]).fetchone():
        raise PoolError(f"a pool named {name!r} exists already")
    owner = owner or current_user()
    text = None
    if criteria is not None:
        text = json.dumps(template_filter(criteria).to_dict(), ensure_ascii=False, sort_keys=True)
    with st.transaction():
        st.con.execute(
            "INSERT INTO pools (name, owner, jobcenter, note, criteria_json, created) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [name, owner, jobcenter or None, note or "", text, _now()],
        )
        pool = get_pool(st, name)
        if criteria is not None and fill:
            from .pool_changes import matching_ids

            ids = sorted(matching_ids(st.con, pool))
            insert_members(st.con, name, ids, owner, None)
    return pool


def get_pool(store: Store | duckdb.DuckDBPyConnection, name: str) -> Pool:
    row = (
        _store(store)
        .con.execute(
            "SELECT name, owner, jobcenter, note, criteria_json, created FROM pools WHERE name = ?",
            [name],
        )
        .fetchone()
    )
    if row is None:
        raise PoolError(f"no pool named {name!r}")
    criteria = Filter.from_dict(json.loads(row[4])) if row[4] else None
    return Pool(row[0], row[1], row[2], row[3] or "", criteria, row[5])


def delete_pool(store: Store | duckdb.DuckDBPyConnection, name: str) -> None:
    st = _store(store)
    get_pool(st, name)
    with st.transaction():
        for table in ("pool_changes", "pool_members"):
            st.con.execute(f"DELETE FROM {table} WHERE pool = ?", [name])
        st.con.execute("DELETE FROM pools WHERE name = ?", [name])


def list_pools(store: Store | duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every pool with its member count and the counts of its latest run's changes."""
    con = _store(store).con
    rows = con.execute(
        """
        SELECT p.name, p.owner, p.jobcenter, p.note, p.criteria_json IS NOT NULL, p.created,
               (SELECT count(*) FROM pool_members m WHERE m.pool = p.name AND m.left_at IS NULL)
        FROM pools p ORDER BY lower(p.name), p.name
        """
    ).fetchall()
    out = []
    for name, owner, jobcenter, note, has_criteria, created, members in rows:
        latest = latest_changes(con, name)
        out.append(
            {
                "name": name,
                "owner": owner,
                "jobcenter": jobcenter,
                "note": note or "",
                "has_criteria": bool(has_criteria),
                "created": created.isoformat(),
                "members": int(members),
                "latest_run": latest["run_id"],
                "joined": len(latest["joined"]),
                "left": len(latest["left"]),
            }
        )
    return out


def insert_members(
    con: duckdb.DuckDBPyConnection,
    pool: str,
    ids: list[str],
    added_by: str | None,
    note: str | None,
    *,
    jobcenters: list[str | None] | None = None,
) -> int:
    """Add ``ids`` as members (status ``ny``) without checking them (callers do); a former
    member becomes a member again with their note kept; a current member is left as is.
    ``jobcenters`` (aligned with ``ids``) names each candidate's jobcenter; where it is not
    given, :data:`~workbench.core.schema.MEMBER_JOBCENTER_SQL` decides (candidate_id is
    unique only within a jobcenter). Returns how many were added."""
    if not ids:
        return 0
    now = _now()
    given = list(jobcenters) if jobcenters is not None else [None] * len(ids)
    resolved = MEMBER_JOBCENTER_SQL.format(member="w", pool="p")
    wanted = (
        "(SELECT w.candidate_id, coalesce(w.jobcenter, "
        f"(SELECT {resolved} FROM pools p WHERE p.name = ?)) AS jobcenter "
        "FROM (SELECT DISTINCT unnest(?::VARCHAR[]) AS candidate_id, "
        "unnest(?::VARCHAR[]) AS jobcenter) AS w)"
    )
    n = con.execute(
        f"""
        UPDATE pool_members SET left_at = NULL, left_reason = NULL, status = 'ny',
               added = ?, added_by = ?, note = coalesce(?, note)
        WHERE pool = ? AND left_at IS NOT NULL
          AND candidate_id IN (SELECT candidate_id FROM {wanted})
        RETURNING candidate_id
        """,
        [now, added_by, note, pool, pool, ids, given],
    ).fetchall()
    m = con.execute(
        f"""
        INSERT INTO pool_members (pool, candidate_id, note, status, added, added_by, jobcenter)
        SELECT ?, a.candidate_id, ?, 'ny', ?, ?, a.jobcenter FROM {wanted} a
        WHERE a.candidate_id NOT IN (SELECT candidate_id FROM pool_members WHERE pool = ?)
        RETURNING candidate_id
        """,
        [pool, note, now, added_by, pool, ids, given, pool],
    ).fetchall()
    return len(n) + len(m)


def add_members(
    store: Store | duckdb.DuckDBPyConnection,
    pool: str,
    candidate_ids: list[str],
    *,
    added_by: str | None = None,
    note: str | None = None,
) -> int:
    """Add candidates (by pseudonymous id) to ``pool``; ids unknown or outside the store's
    scope are refused whole. An id that several jobcenters use is the candidate of the
    pool's jobcenter, else of the user's own, else the first in scope."""
    st = _store(store)
    found = get_pool(st, pool)
    ids = list(dict.fromkeys(str(i).strip() for i in candidate_ids if str(i).strip()))
    if not ids:
        raise PoolError("no candidates to add")
    scope, params = st.candidate_scope("t")
    jobcenter_of: dict[str, str] = {}
    for cid, jobcenter in st.con.execute(
        f"SELECT t.candidate_id, t.jobcenter FROM candidates AS t "
        f"WHERE t.candidate_id IN (SELECT unnest(?)) AND {scope} "
        "ORDER BY t.jobcenter IS NOT DISTINCT FROM ? DESC, "
        "t.jobcenter IS NOT DISTINCT FROM ? DESC, t.jobcenter, t.rid",
        [ids, *params, found.jobcenter, st.scope.jobcenter],
    ).fetchall():
        jobcenter_of.setdefault(cid, jobcenter)
    unknown = [i for i in ids if i not in jobcenter_of]
    if unknown:  # out of scope reads the same as absent: nothing leaks
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        raise PoolError(f"unknown candidate {unknown[0]!r}{more}")
    with st.transaction():
        return insert_members(
            st.con,
            pool,
            ids,
            added_by or current_user(),
            note,
            jobcenters=[jobcenter_of[i] for i in ids],
        )


def add_members_by_rid(
    store: Store | duckdb.DuckDBPyConnection,
    pool: str,
    rids: np.ndarray | list[int],
    *,
    added_by: str | None = None,
) -> int:
    """Add the candidates of a search result or a map selection (candidate row ids)."""
    st = _store(store)
    get_pool(st, pool)
    rid_list = [int(r) for r in np.asarray(rids, dtype=np.int64)]
    scope, params = st.candidate_scope("t")
    rows = st.con.execute(
        "SELECT t.candidate_id, t.jobcenter FROM candidates AS t "
        f"WHERE t.rid IN (SELECT unnest(?)) AND {scope} ORDER BY t.rid",
        [rid_list, *params],
    ).fetchall()
    if not rows:
        raise PoolError("no candidates to add")
    # The row names the exact candidate: its jobcenter comes with its id.
    pairs = list(dict.fromkeys((cid, jobcenter) for cid, jobcenter in rows))
    with st.transaction():
        return insert_members(
            st.con,
            pool,
            [cid for cid, _ in pairs],
            added_by or current_user(),
            None,
            jobcenters=[jobcenter for _, jobcenter in pairs],
        )


def remove_members(
    store: Store | duckdb.DuckDBPyConnection, pool: str, candidate_ids: list[str]
) -> int:
    """Take members out by hand (kept with the reason :data:`REMOVED`)."""
    st = _store(store)
    get_pool(st, pool)
    rows = st.con.execute(
        "UPDATE pool_members SET left_at = ?, left_reason = ? WHERE pool = ? "
        "AND left_at IS NULL AND candidate_id IN (SELECT unnest(?)) RETURNING candidate_id",
        [_now(), REMOVED, pool, [str(i) for i in candidate_ids]],
    ).fetchall()
    return len(rows)


def set_member(
    store: Store | duckdb.DuckDBPyConnection,
    pool: str,
    candidate_id: str,
    *,
    note: str | None = None,
    status: str | None = None,
) -> None:
    """Change a member's note and/or status."""
    st = _store(store)
    if status is not None and status not in STATUSES:
        raise PoolError(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
    found = st.con.execute(
        "UPDATE pool_members SET note = coalesce(?, note), status = coalesce(?, status) "
        "WHERE pool = ? AND candidate_id = ? RETURNING candidate_id",
        [note, status, pool, candidate_id],
    ).fetchall()
    if not found:
        get_pool(st, pool)
        raise PoolError(f"candidate {candidate_id!r} is not in pool {pool!r}")


def members(
    store: Store | duckdb.DuckDBPyConnection, pool: str, *, include_left: bool = False
) -> list[dict[str, Any]]:
    """The members (and former members with ``include_left``), with the candidate's row id
    in the cache (``rid``, None when the candidate is no longer there)."""
    st = _store(store)
    get_pool(st, pool)
    left = "" if include_left else " AND m.left_at IS NULL"
    # Only the members the store's user may see (their jobcenter's, or a pool shared with
    # it): the member row carries the candidate's jobcenter, as candidates do.
    scope, params = st.candidate_scope("m")
    rows = st.con.execute(
        f"""
        SELECT m.candidate_id, m.jobcenter, m.note, m.status, m.added, m.added_by, m.left_at,
               m.left_reason, c.rid
        FROM pool_members m
        LEFT JOIN (SELECT candidate_id, jobcenter, min(rid) AS rid FROM candidates GROUP BY ALL) c
               ON c.candidate_id = m.candidate_id
              AND (m.jobcenter IS NULL OR c.jobcenter = m.jobcenter)
        WHERE m.pool = ?{left} AND {scope}
        ORDER BY m.left_at NULLS FIRST, m.added, m.candidate_id, c.rid
        """,
        [pool, *params],
    ).fetchall()
    keys = (
        "candidate_id",
        "jobcenter",
        "note",
        "status",
        "added",
        "added_by",
        "left_at",
        "left_reason",
    )
    out = []
    seen: set[str] = set()
    for r in rows:
        if r[0] in seen:  # a member without a jobcenter whose id two jobcenters use
            continue
        seen.add(r[0])
        d = dict(zip(keys, r[:8], strict=True))
        d["note"] = d["note"] or ""
        for k in ("added", "left_at"):
            d[k] = d[k].isoformat() if d[k] is not None else None
        d["rid"] = int(r[8]) if r[8] is not None else None
        out.append(d)
    return out


def share_pool(
    store: Store | duckdb.DuckDBPyConnection,
    pool: str,
    jobcenter: str,
    *,
    purpose: str,
    user: str | None = None,
    own_jobcenter: str | None = None,
) -> dict[str, Any]:
    """Share ``pool`` with another ``jobcenter`` (issue #15): its current members become
    visible there. Only the pool's own jobcenter shares it (a pool shared with you is not
    yours to pass on), with a purpose; the audit entry names every member."""
    from .audit import subject_id
    from .store import shares

    if not (purpose or "").strip():
        raise PoolError("sharing a pool needs a purpose (--purpose)")
    st = _store(store)
    p = get_pool(st, pool)
    ctx = st.user  # the Store's user, unless the caller (the window) names them
    user = user or (ctx.user if ctx is not None else None) or current_user(None)
    own = own_jobcenter or (ctx.jobcenter if ctx is not None else None)
    if own and p.jobcenter and p.jobcenter != own:
        raise PoolError(f"pool {pool!r} belongs to jobcenter {p.jobcenter}: only it can share it")
    current = members(st, pool)
    ids = [subject_id(m["candidate_id"], m["jobcenter"]) for m in current]
    shares.share(  # the share and its audit entry (the audit log's own transaction)
        st.con,
        "pool",
        pool,
        jobcenter,
        user=user,
        own_jobcenter=own,
        purpose=purpose.strip(),
        subject_ids=ids,
    )
    code = shares.normalise_kommune_kode(jobcenter)
    return {"pool": pool, "shared_with": code, "members": len(ids)}


def unshare_pool(
    store: Store | duckdb.DuckDBPyConnection, pool: str, jobcenter: str
) -> dict[str, Any]:
    """Stop sharing ``pool`` with ``jobcenter``."""
    from .store import shares

    st = _store(store)
    get_pool(st, pool)
    shares.unshare(st.con, "pool", pool, jobcenter)
    return {"pool": pool, "unshared_with": shares.normalise_kommune_kode(jobcenter)}


def latest_changes(store: Store | duckdb.DuckDBPyConnection, pool: str) -> dict[str, Any]:
    """Who joined and who left (with why) in the latest run that changed ``pool``:
    ``{"run_id", "at", "joined": [ids], "left": [{"candidate_id", "reason"}]}``."""
    st = _store(store)
    con = st.con
    row = con.execute(
        'SELECT run_id, max("at") FROM pool_changes WHERE pool = ? '
        'GROUP BY run_id ORDER BY max("at") DESC, run_id DESC LIMIT 1',
        [pool],
    ).fetchone()
    if row is None:
        return {"run_id": None, "at": None, "joined": [], "left": []}
    # Only the ids the store's user may see: through the member row (its jobcenter).
    scope, params = st.candidate_scope("m")
    rows = con.execute(
        "SELECT pc.candidate_id, pc.change, pc.reason FROM pool_changes pc "
        "JOIN pool_members m ON m.pool = pc.pool AND m.candidate_id = pc.candidate_id "
        f"WHERE pc.pool = ? AND pc.run_id IS NOT DISTINCT FROM ? AND {scope} "
        "ORDER BY pc.change, pc.candidate_id",
        [pool, row[0], *params],
    ).fetchall()
    return {
        "run_id": row[0],
        "at": row[1].isoformat(),
        "joined": [r[0] for r in rows if r[1] == "joined"],
        "left": [{"candidate_id": r[0], "reason": r[2]} for r in rows if r[1] == "left"],
    }


def pool_report(store: Store | duckdb.DuckDBPyConnection, pool: str) -> dict[str, Any]:
    """``workbench pool show``: the pool, its members and its latest changes."""
    st = _store(store)
    out = get_pool(st, pool).to_json()
    # The JSON keys are the script contract (module docstring of commands/pool.py).
    hidden = ("rid", "jobcenter")
    out["members"] = [{k: v for k, v in m.items() if k not in hidden} for m in members(st, pool)]
    out["changes"] = latest_changes(st, pool)
    return out


def _on_purge(cur: Any, candidate_ids: list[str]) -> None:
    """Retention purged these candidates: their memberships end with the reason; the pool
    keeps only the pseudonymous id and why (issue #15)."""
    if candidate_ids:
        cur.execute(
            "UPDATE pool_members SET left_at = now()::TIMESTAMP, left_reason = ? "
            "WHERE left_at IS NULL AND candidate_id IN (SELECT unnest(?::VARCHAR[]))",
            [REASONS["purged"], candidate_ids],
        )


retention.PURGE_HOOKS.append(_on_purge)
