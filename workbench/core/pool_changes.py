"""How a refresh or import changes the candidate pools: who joined, who left and why.

The plugin host calls :func:`snapshot` inside its swap transaction before the staged
candidates replace the live ones and :meth:`PoolSnapshot.record` after, before COMMIT: the
changes are recorded once per run, in the same transaction as the data (a failed or
cancelled run records nothing).

For each current member four facts are read before and after; the first that was true and
is no longer gives the reason (:data:`workbench.core.pools.REASONS`):

1. ``not_unemployed``: the candidate is in the cache with an unemployment start date
   (an import is a snapshot: who is gone from it is no longer unemployed here),
2. ``not_searchable``: the CV is searchable,
3. ``moved``: home is inside the pool's area (the criteria's municipalities, distance and
   map selection), only for pools with an area,
4. ``no_match``: the candidate matches the criteria, only for pools with criteria.

Comparing before with after (not only looking at after) keeps members the consultant added
by hand that never matched the criteria. Who joined: candidates that match the criteria now
and did not before, unless already a member or removed by the consultant.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import duckdb

from .filters import Filter, compile_where
from .pools import REASONS, REMOVED, Pool, get_pool, insert_members
from .store.gateway import reference_date

log = logging.getLogger(__name__)

# Fact order = reason priority.
FACTS: tuple[str, ...] = ("not_unemployed", "not_searchable", "moved", "no_match")


def area_filter(criteria: Filter) -> Filter | None:
    """The place part of ``criteria`` (None when it has none): leaving it is "flyttet"."""
    area = Filter(
        municipalities=criteria.municipalities,
        near=criteria.near,
        radius_km=criteria.radius_km,
        selection=criteria.selection,
    )
    return None if area == Filter() else area


def _where(con: duckdb.DuckDBPyConnection, pool: Pool, flt: Filter) -> tuple[str, list[Any]]:
    flt = replace(flt, today=reference_date(con))
    c = compile_where("candidates", flt, strict=False)
    where, params = c.where, list(c.params)
    if pool.jobcenter:  # a jobcenter's pool holds that jobcenter's candidates
        where = f"({where}) AND t.jobcenter = ?"
        params.append(pool.jobcenter)
    return where, params


def _ids(
    con: duckdb.DuckDBPyConnection, pool: Pool, flt: Filter, *, members_only: bool
) -> set[str]:
    where, params = _where(con, pool, flt)
    if members_only:
        # A member is its candidate_id in its jobcenter (ids repeat across jobcenters).
        where += (
            " AND EXISTS (SELECT 1 FROM pool_members m WHERE m.pool = ? AND m.left_at IS NULL "
            "AND m.candidate_id = t.candidate_id "
            "AND (m.jobcenter IS NULL OR m.jobcenter = t.jobcenter))"
        )
        params.append(pool.name)
    rows = con.execute(
        f"SELECT t.candidate_id, t.x, t.y FROM candidates AS t WHERE {where}", params
    ).fetchnumpy()
    ids = rows["candidate_id"]
    if flt.selection is not None and len(ids):
        import numpy as np

        x = np.asarray(rows["x"], dtype=np.float64)
        y = np.asarray(rows["y"], dtype=np.float64)
        ids = ids[flt.spatial_selection().covers_xy(x, y)]
    return {str(i) for i in ids}


def matching_ids(con: duckdb.DuckDBPyConnection, pool: Pool) -> set[str]:
    """The candidates matching the pool's criteria now (none without criteria)."""
    if pool.criteria is None:
        return set()
    return _ids(con, pool, pool.criteria, members_only=False)


@dataclass
class _State:
    members: set[str]
    facts: dict[str, set[str]]  # fact -> the members for which it holds
    matches: set[str]  # every matching candidate


def _state(con: duckdb.DuckDBPyConnection, pool: Pool) -> _State:
    rows = con.execute(
        """
        SELECT m.candidate_id,
               bool_or(c.unemployed_since IS NOT NULL), bool_or(coalesce(c.cv_searchable, FALSE))
        FROM pool_members m LEFT JOIN candidates c ON c.candidate_id = m.candidate_id
             AND (m.jobcenter IS NULL OR c.jobcenter = m.jobcenter)
        WHERE m.pool = ? AND m.left_at IS NULL GROUP BY m.candidate_id
        """,
        [pool.name],
    ).fetchall()
    members = {r[0] for r in rows}
    facts: dict[str, set[str]] = {
        "not_unemployed": {r[0] for r in rows if r[1]},
        "not_searchable": {r[0] for r in rows if r[2]},
    }
    matches: set[str] = set()
    if pool.criteria is not None:
        area = area_filter(pool.criteria)
        if area is not None:
            facts["moved"] = _ids(con, pool, area, members_only=True)
        matches = matching_ids(con, pool)
        facts["no_match"] = matches & members
    return _State(members, facts, matches)


@dataclass
class PoolSnapshot:
    """The pools' state before a run's swap."""

    before: dict[str, _State]

    def record(self, con: duckdb.DuckDBPyConnection, run_id: str, source: str) -> dict[str, Any]:
        """Compare with the state now, update the members and write ``pool_changes``.
        Returns ``{pool: {"joined": n, "left": n}}``. ``source`` (the plugin id) is the
        ``added_by`` of who joined.

        Everything is read first and written after: a fault while comparing is logged and
        records nothing, but never fails the run that brought the data."""
        try:
            changes = {
                name: self._compare(con, name, before) for name, before in self.before.items()
            }
        except Exception:  # the new data matters more than the pool history
            log.exception("pool changes of run %s not recorded", run_id)
            return {}
        at = datetime.now()  # to the microsecond: two runs in one second stay in order
        summary: dict[str, Any] = {}
        for name, (joined, left) in changes.items():
            if left:
                con.executemany(
                    "UPDATE pool_members SET left_at = ?, left_reason = ? "
                    "WHERE pool = ? AND candidate_id = ? AND left_at IS NULL",
                    [[at, reason, name, cid] for cid, reason in left],
                )
            if joined:
                insert_members(con, name, joined, source, None)
            rows = [[name, run_id, cid, "joined", None, at] for cid in joined]
            rows += [[name, run_id, cid, "left", reason, at] for cid, reason in left]
            if rows:
                con.executemany("INSERT INTO pool_changes VALUES (?, ?, ?, ?, ?, ?)", rows)
            summary[name] = {"joined": len(joined), "left": len(left)}
        return summary

    @staticmethod
    def _compare(
        con: duckdb.DuckDBPyConnection, name: str, before: _State
    ) -> tuple[list[str], list[tuple[str, str]]]:
        """(who joined, [(who left, why)]) of pool ``name`` since ``before``."""
        after = _state(con, get_pool(con, name))
        left: list[tuple[str, str]] = []
        for cid in sorted(before.members):
            for fact in FACTS:
                held = cid in before.facts.get(fact, set())
                if held and cid not in after.facts.get(fact, set()):
                    left.append((cid, REASONS[fact]))
                    break
        removed = {
            r[0]
            for r in con.execute(
                "SELECT candidate_id FROM pool_members WHERE pool = ? AND left_reason = ?",
                [name, REMOVED],
            ).fetchall()
        }
        joined = sorted(after.matches - before.matches - after.members - removed)
        return joined, left


def snapshot(con: duckdb.DuckDBPyConnection) -> PoolSnapshot | None:
    """The pools' state now (None when there are no pools: nothing to compare)."""
    try:
        names = [r[0] for r in con.execute("SELECT name FROM pools ORDER BY name").fetchall()]
    except duckdb.CatalogException:  # a cache from before the pools migration
        return None
    if not names:
        return None
    try:
        return PoolSnapshot({n: _state(con, get_pool(con, n)) for n in names})
    except Exception:  # never fail the run that brings new data
        log.exception("pool state before the run not read; pool changes not recorded")
        return None
