"""Retention: candidate data that no newer import confirmed within ``[privacy]
retention_days`` (default 30) is purged, at start and after each import (issue #15).

An import is a snapshot of its jobcenters (``core.imports.runner``), so a jobcenter's
candidates are confirmed together: :func:`confirm` records when, per jobcenter, in
``candidate_confirmations``. :func:`purge_expired` deletes the candidates (and their side
tables) of every jobcenter whose last confirmation is older than the period, writes a
``refresh_log`` row and an audit entry, and calls the registered :data:`PURGE_HOOKS`
(pools and shortlists keep only the pseudonymous id and the reason: their module strips
the rest). A demo cache holds no real people and is never purged.

The deleted rows may still sit in the file's free blocks until the cache is rewritten; the
crypto engineer's "rewrite so deleted is gone" is the place for that (see docs/security.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import duckdb

from . import audit, cache
from .run_ids import new_run_id
from .scrub import forget_deleted

DEFAULT_RETENTION_DAYS = 30
PLUGIN_ID = "privacy.retention"
# Side tables keyed by the candidates' rid: purged with them.
CANDIDATE_SIDE_TABLES: tuple[str, ...] = ("candidate_occupations", "candidate_qualifications")

# Called inside the purge's transaction with the cursor and the purged candidate ids
# (pseudonymous): a module holding candidates of its own (pools, shortlists) drops all but
# the id and the reason there.
PurgeHook = Callable[[duckdb.DuckDBPyConnection, list[str]], None]
PURGE_HOOKS: list[PurgeHook] = []


@dataclass
class PurgeResult:
    jobcenters: list[str] = field(default_factory=list)
    candidates: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"jobcenters": self.jobcenters, "candidates": self.candidates}


def retention_days(settings: Any) -> int:
    value = settings.get("privacy.retention_days", DEFAULT_RETENTION_DAYS) if settings else None
    return int(value or DEFAULT_RETENTION_DAYS)


def confirm(con: duckdb.DuckDBPyConnection, jobcenters: Iterable[str], at: datetime) -> None:
    """An import confirmed these jobcenters' candidates at ``at``."""
    for jc in jobcenters:
        con.execute(
            "INSERT OR REPLACE INTO candidate_confirmations VALUES (?, ?)",
            [jc, at.replace(tzinfo=None)],
        )


def purge_expired(
    con: duckdb.DuckDBPyConnection,
    days: int = DEFAULT_RETENTION_DAYS,
    *,
    now: datetime | None = None,
    user: str | None = None,
) -> PurgeResult:
    """Purge the candidates of every jobcenter not confirmed within ``days`` of ``now``."""
    now = (now or datetime.now()).replace(tzinfo=None)
    result = PurgeResult()
    if cache.is_demo(con):
        return result
    cutoff = now - timedelta(days=int(days))
    _purge_rejects(con, cutoff)
    with cache.transaction(con) as cur:
        # Read without parameters first and bind only to write: DuckDB imports pandas at
        # the first bound parameter (~0.3 s CPU), and a start with nothing to confirm or
        # purge (the usual one) then paints its first map without it (issue #17).
        unconfirmed = (
            "FROM candidates WHERE jobcenter IS NOT NULL "
            "AND jobcenter NOT IN (SELECT jobcenter FROM candidate_confirmations)"
        )
        if cur.execute(f"SELECT count(*) {unconfirmed}").fetchone()[0]:
            # Candidates no import recorded (older code paths): confirmed now, never
            # purged blind.
            cur.execute(
                f"INSERT INTO candidate_confirmations SELECT DISTINCT jobcenter, ?::TIMESTAMP "
                f"{unconfirmed}",
                [now],
            )
        confirmed = cur.execute(
            "SELECT jobcenter, confirmed_at FROM candidate_confirmations "
            "WHERE jobcenter IN (SELECT jobcenter FROM candidates)"
        ).fetchall()
        expired = sorted(jc for jc, at in confirmed if at is not None and at < cutoff)
        if not expired:
            return result
        ids = [
            r[0]
            for r in cur.execute(
                "SELECT candidate_id FROM candidates WHERE jobcenter IN (SELECT unnest(?))",
                [expired],
            ).fetchall()
        ]
        for table in CANDIDATE_SIDE_TABLES:
            cur.execute(
                f"DELETE FROM {table} WHERE rid IN "
                "(SELECT rid FROM candidates WHERE jobcenter IN (SELECT unnest(?)))",
                [expired],
            )
        cur.execute("DELETE FROM candidates WHERE jobcenter IN (SELECT unnest(?))", [expired])
        from . import pools  # noqa: F401  (registers its hook: memberships keep id and reason)

        for hook in PURGE_HOOKS:
            hook(cur, ids)
        message = (
            f"{len(ids)} candidates of jobcenter {', '.join(expired)} purged: not confirmed "
            f"by an import within {days} days"
        )
        cur.execute(
            "INSERT INTO refresh_log (run_id, plugin, started, finished, status, rows_written, "
            "message) VALUES (?, ?, ?, ?, 'ok', ?, ?)",
            [new_run_id(), PLUGIN_ID, now, now, len(ids), message],
        )
    result.jobcenters, result.candidates = expired, len(ids)
    audit.append(
        con,
        user=user,
        jobcenter=None,
        action="purge",
        subject_ids=expired,  # the jobcenters, not the people: the log outlives them
        purpose=f"retention: {days} days",
        at=now,
    )
    # Deleted means gone: the purged rows leave the file's bytes too (core/scrub.py).
    forget_deleted(con, ("candidates", *CANDIDATE_SIDE_TABLES))
    return result


def _purge_rejects(con: duckdb.DuckDBPyConnection, cutoff: datetime) -> None:
    """Rejected import rows beside the cache are kept for the same period (no import ever
    confirms them); a failure there is logged and leaves the candidates' purge to run."""
    from .imports import rejects_store

    try:
        runs = rejects_store.purge_older_than(rejects_store.location(con), cutoff)
    except (duckdb.Error, OSError) as exc:
        logging.getLogger(__name__).warning("old rejected rows not purged: %s", exc)
        return
    if runs:
        logging.getLogger(__name__).info("%d import runs' rejected rows purged (retention)", runs)


def purge_at_start(con: duckdb.DuckDBPyConnection, settings: Any) -> PurgeResult | None:
    """The purge when the window opens the cache or an import has finished. A failure is
    logged (the previous data stays, the user gets their window or their import) and
    returns None."""
    try:
        return purge_expired(con, retention_days(settings))
    except (duckdb.Error, OSError, ValueError):
        logging.getLogger(__name__).exception("retention purge at start failed")
        return None
