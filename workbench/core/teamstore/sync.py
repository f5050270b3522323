"""``team sync``: push this workstation's campaigns and job orders to the team store and
pull the team's, per jobcenter. The rules (docs/rollout.md, "Conflicts"):

- A campaign's targets and scores are fixed when it is planned: the first push of a target
  wins (the same name planned on two workstations: the union of their targets).
- Campaign metadata (note, selection, filter, policy) and a job order: last writer wins by
  ``updated_at`` / ``updated``; on a tie the team store's row stays.
- A target's assignment: last writer wins by ``assigned_at`` (unassigning counts too).
- Status history is append-only: the union of every workstation's entries (one entry per
  campaign, unit, time, author and status). A target's current status is its latest entry
  (by time, then author, then status), its note the latest note given.
- A workstation pulls the rows of its own jobcenter (``[user] jobcenter``) and those shared
  with it (the team store's ``shares``); it never overwrites another jobcenter's row that
  is not shared with it (reported as ``skipped``).

One PostgreSQL transaction pushes and reads, then one cache transaction merges: a failure
or cancel before either commit leaves that side as it was; syncing again is harmless
(every step compares before it writes, so a second sync changes nothing).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

from ..errors import WorkbenchError
from ..run_ids import new_run_id
from ..store import Store
from ..tasks import Feedback
from .connection import TeamStoreConfig, TeamStoreError, reason
from .server import lock_and_migrate

PLUGIN_ID = "team_sync"  # refresh_log.plugin of every sync
log = logging.getLogger("workbench.teamstore")

KINDS = ("campaigns", "targets", "assignments", "history", "job_orders")


def _counts() -> dict[str, int]:
    return dict.fromkeys(KINDS, 0)


@dataclass
class SyncResult:
    server: str
    jobcenter: str
    run_id: str
    pushed: dict[str, int] = field(default_factory=_counts)
    pulled: dict[str, int] = field(default_factory=_counts)
    skipped: list[str] = field(default_factory=list)  # rows another jobcenter owns

    def to_dict(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "jobcenter": self.jobcenter,
            "run_id": self.run_id,
            "pushed": dict(self.pushed),
            "pulled": dict(self.pulled),
            "skipped": list(self.skipped),
        }

    def summary(self) -> str:
        pushed, pulled = sum(self.pushed.values()), sum(self.pulled.values())
        text = f"team store {self.server}: {pushed} changes pushed, {pulled} pulled"
        if self.skipped:
            text += f"; skipped (another jobcenter's): {', '.join(self.skipped)}"
        return text


# The visibility rule on the team store: own jobcenter, or shared with it.
_VISIBLE_CAMPAIGN = (
    "(c.jobcenter = %(jc)s OR EXISTS (SELECT 1 FROM shares s WHERE s.kind = 'campaign' "
    "AND s.ref = c.name AND s.jobcenter = %(jc)s))"
)
_VISIBLE_ORDER = (
    "(o.jobcenter = %(jc)s OR EXISTS (SELECT 1 FROM shares s WHERE s.kind = 'job_order' "
    "AND s.ref = o.id AND s.jobcenter = %(jc)s))"
)

_CAMPAIGN_COLS = (
    "name",
    "contact_jobcenter",
    "created",
    "created_by",
    "filter_json",
    "selection",
    "note",
    "advertising_policy",
    "updated_at",
)
_TARGET_COLS = ("campaign", "cvr", "pnr", "score", "components_json", "assigned_to", "assigned_at")
_HISTORY_COLS = ("campaign", "cvr", "pnr", "status", "at", "by", "note")
_ORDER_COLS = (
    "id",
    "jobcenter",
    "title",
    "occupation_codes",
    "cvr",
    "pnr",
    "source_posting_id",
    "received_at",
    "clarify_by",
    "deliver_by",
    "order_json",
    "created",
    "updated",
)
_TS = pa.timestamp("us")
_ARROW_TYPES: dict[str, pa.DataType] = {
    "score": pa.float64(),
    "occupation_codes": pa.list_(pa.string()),
    **{
        c: _TS
        for c in (
            "created",
            "updated_at",
            "assigned_at",
            "at",
            "received_at",
            "clarify_by",
            "deliver_by",
            "updated",
        )
    },
}


@dataclass
class _Local:
    campaigns: list[tuple[Any, ...]]
    targets: list[tuple[Any, ...]]
    history: list[tuple[Any, ...]]
    orders: list[tuple[Any, ...]]
    shares: list[tuple[Any, ...]]


def sync(
    store: Store,
    config: TeamStoreConfig,
    jobcenter: str | None,
    *,
    feedback: Feedback | None = None,
) -> SyncResult:
    """Push, pull and merge (see the module's rules); every run is written to refresh_log.
    TeamStoreError when the team store cannot be reached or refuses: nothing changed."""
    feedback = feedback or Feedback()
    jobcenter = (jobcenter or "").strip()
    if not jobcenter:
        raise TeamStoreError(
            "team sync needs the own jobcenter: set [user] jobcenter (a kommunekode)"
        )
    started = datetime.now()
    result = SyncResult(config.label, jobcenter, new_run_id())
    cur = store.cursor()
    try:
        try:
            _sync(cur, store, config, result, feedback)
        except WorkbenchError as exc:
            _log_run(store, cur, result, started, "failed", str(exc))
            raise
        except Exception as exc:  # a driver error mid-sync: one line, nothing merged
            from ..tasks import TaskCancelled

            if isinstance(exc, TaskCancelled):
                _log_run(store, cur, result, started, "cancelled", "cancelled")
                raise
            message = f"team store {config.label}: sync failed: {reason(exc, config)}"
            _log_run(store, cur, result, started, "failed", message)
            raise TeamStoreError(message) from exc
        _log_run(store, cur, result, started, "ok", result.summary())
        log.info("%s (run %s)", result.summary(), result.run_id)
        return result
    finally:
        cur.close()


def _sync(
    cur: Any, store: Store, config: TeamStoreConfig, result: SyncResult, feedback: Feedback
) -> None:
    feedback.set_progress(0.05, "reading local work")
    local = _read_local(cur, result.jobcenter)
    feedback.raise_if_cancelled()
    feedback.set_progress(0.15, f"connecting to {config.label}")
    con = config.connect()
    try:
        with con.transaction(), con.cursor() as pg:
            lock_and_migrate(pg)
            feedback.set_progress(0.3, "pushing local changes")
            _push(pg, local, result)
            feedback.set_progress(0.55, "pulling the team's changes")
            pulled = _pull(pg, result.jobcenter)
            feedback.raise_if_cancelled()  # the last moment the team store is untouched
    finally:
        con.close()
    feedback.raise_if_cancelled()
    feedback.set_progress(0.8, "merging into the cache")
    _merge(cur, store, pulled, result)
    feedback.set_progress(1.0, "done")


# -- local -> team store -------------------------------------------------------------


def _read_local(cur: Any, jobcenter: str) -> _Local:
    campaigns = cur.execute(
        "SELECT name, jobcenter, created, created_by, filter_json, selection, note, "
        "advertising_policy, coalesce(updated_at, created) FROM campaigns"
    ).fetchall()
    targets = cur.execute(
        "SELECT campaign, cvr, coalesce(pnr, ''), score, components_json, assigned_to, "
        "assigned_at FROM campaign_targets"
    ).fetchall()
    history = cur.execute(
        "SELECT DISTINCT campaign, cvr, coalesce(pnr, ''), status, \"at\", coalesce(\"by\", ''), "
        "note FROM campaign_target_history"
    ).fetchall()
    orders = cur.execute(
        "SELECT id, coalesce(jobcenter, ?), title, occupation_codes, cvr, pnr, "
        "source_posting_id, received_at, clarify_by, deliver_by, order_json, created, updated "
        "FROM job_orders",
        [jobcenter],
    ).fetchall()
    shares = cur.execute(
        "SELECT DISTINCT kind, ref, jobcenter, shared_by, shared_at FROM shares "
        "WHERE kind IN ('job_order', 'campaign')"
    ).fetchall()
    return _Local(campaigns, targets, history, orders, shares)


def _copy(
    pg: Any, table: str, like: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """``rows`` into a temporary table shaped like ``like`` (dropped at commit)."""
    pg.execute(
        f"CREATE TEMP TABLE {table} ON COMMIT DROP AS SELECT {', '.join(_q(c) for c in columns)} "
        f"FROM {like} WITH NO DATA"
    )
    with pg.copy(f"COPY {table} ({', '.join(_q(c) for c in columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _q(column: str) -> str:
    return f'"{column}"'


def _push(pg: Any, local: _Local, result: SyncResult) -> None:
    params = {"jc": result.jobcenter}
    _copy(pg, "up_campaigns", "campaigns", ("name", *_CAMPAIGN_COLS[1:]), local.campaigns)
    # A campaign name another jobcenter owns (and did not share) is not ours to change.
    pg.execute(
        f"SELECT u.name FROM up_campaigns u JOIN campaigns c ON c.name = u.name "
        f"WHERE NOT {_VISIBLE_CAMPAIGN} ORDER BY u.name",
        params,
    )
    blocked = [r[0] for r in pg.fetchall()]
    result.skipped += [f"campaign {n!r}" for n in blocked]
    pg.execute("DELETE FROM up_campaigns WHERE name = ANY(%s)", [blocked])
    pg.execute(
        """
        INSERT INTO campaigns (name, jobcenter, contact_jobcenter, created, created_by,
            filter_json, selection, note, advertising_policy, updated_at)
        SELECT name, %(jc)s, contact_jobcenter, created, created_by, filter_json, selection,
            note, advertising_policy, updated_at FROM up_campaigns
        ON CONFLICT (name) DO UPDATE SET contact_jobcenter = excluded.contact_jobcenter,
            filter_json = excluded.filter_json, selection = excluded.selection,
            note = excluded.note, advertising_policy = excluded.advertising_policy,
            updated_at = excluded.updated_at
        WHERE excluded.updated_at > campaigns.updated_at
        """,
        params,
    )
    result.pushed["campaigns"] = pg.rowcount
    _copy(pg, "up_targets", "campaign_targets", _TARGET_COLS, local.targets)
    pg.execute(
        """
        INSERT INTO campaign_targets AS t (campaign, cvr, pnr, score, components_json,
            assigned_to, assigned_at)
        SELECT u.* FROM up_targets u JOIN up_campaigns c ON c.name = u.campaign
        ON CONFLICT (campaign, cvr, pnr) DO UPDATE SET assigned_to = excluded.assigned_to,
            assigned_at = excluded.assigned_at
        WHERE excluded.assigned_at IS NOT NULL
            AND (t.assigned_at IS NULL OR excluded.assigned_at > t.assigned_at)
        RETURNING (xmax = 0)
        """
    )
    inserted = [r[0] for r in pg.fetchall()]
    result.pushed["targets"] = sum(inserted)
    result.pushed["assignments"] = len(inserted) - sum(inserted)
    _copy(pg, "up_history", "campaign_target_history", _HISTORY_COLS, local.history)
    pg.execute(
        """
        INSERT INTO campaign_target_history (campaign, cvr, pnr, status, "at", "by", note,
            pushed_from)
        SELECT u.*, %(jc)s FROM up_history u JOIN up_campaigns c ON c.name = u.campaign
        ON CONFLICT DO NOTHING
        """,
        params,
    )
    result.pushed["history"] = pg.rowcount
    _copy(pg, "up_orders", "job_orders", _ORDER_COLS, local.orders)
    pg.execute(
        f"SELECT u.id FROM up_orders u JOIN job_orders o ON o.id = u.id "
        f"WHERE NOT {_VISIBLE_ORDER} ORDER BY u.id",
        params,
    )
    blocked = [r[0] for r in pg.fetchall()]
    result.skipped += [f"job order {i!r}" for i in blocked]
    # the owner never changes on an update: a shared order stays its jobcenter's
    pg.execute(
        f"""
        INSERT INTO job_orders AS o ({", ".join(_ORDER_COLS)})
        SELECT * FROM up_orders WHERE NOT id = ANY(%(blocked)s)
        ON CONFLICT (id) DO UPDATE SET {
            ", ".join(f"{c} = excluded.{c}" for c in _ORDER_COLS if c not in ("id", "jobcenter"))
        }
        WHERE excluded.updated > o.updated
        """,
        {"blocked": blocked},
    )
    result.pushed["job_orders"] = pg.rowcount
    if local.shares:
        pg.executemany(
            "INSERT INTO shares (kind, ref, jobcenter, shared_by, shared_at) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            local.shares,
        )


# -- team store -> local -------------------------------------------------------------


def _pull(pg: Any, jobcenter: str) -> dict[str, pa.Table]:
    params = {"jc": jobcenter}
    visible = f"SELECT c.name FROM campaigns c WHERE {_VISIBLE_CAMPAIGN}"
    queries = {
        "campaigns": (
            f"SELECT {', '.join('c.' + _q(c) for c in _CAMPAIGN_COLS)} FROM campaigns c "
            f"WHERE {_VISIBLE_CAMPAIGN}",
            _CAMPAIGN_COLS,
        ),
        "targets": (
            f"SELECT {', '.join(_q(c) for c in _TARGET_COLS)} FROM campaign_targets "
            f"WHERE campaign IN ({visible})",
            _TARGET_COLS,
        ),
        "history": (
            f"SELECT {', '.join(_q(c) for c in _HISTORY_COLS)} FROM campaign_target_history "
            f"WHERE campaign IN ({visible})",
            _HISTORY_COLS,
        ),
        "job_orders": (
            f"SELECT {', '.join('o.' + c for c in _ORDER_COLS)} FROM job_orders o "
            f"WHERE {_VISIBLE_ORDER}",
            _ORDER_COLS,
        ),
    }
    out = {}
    for key, (sql, columns) in queries.items():
        pg.execute(sql, params)
        out[key] = _arrow(pg.fetchall(), columns)
    return out


def _arrow(rows: list[tuple[Any, ...]], columns: Sequence[str]) -> pa.Table:
    data = {
        c: pa.array([r[i] for r in rows], type=_ARROW_TYPES.get(c, pa.string()))
        for i, c in enumerate(columns)
    }
    return pa.table(data)


def _merge(cur: Any, store: Store, pulled: dict[str, pa.Table], result: SyncResult) -> None:
    names = {key: f"_team_{key}" for key in pulled}
    for key, table in pulled.items():
        cur.register(names[key], table)
    try:
        with store.transaction(cur):
            _merge_tables(cur, result)
    finally:
        for name in names.values():
            cur.unregister(name)


def _changed(cur: Any, sql: str, params: Sequence[Any] = ()) -> int:
    row = cur.execute(sql, list(params)).fetchone()
    return int(row[0]) if row else 0


def _merge_tables(cur: Any, result: SyncResult) -> None:
    pulled = result.pulled
    # campaigns: new ones, and metadata where the team store's is newer (or tied, differing)
    pulled["campaigns"] = _changed(
        cur,
        """
        INSERT INTO campaigns (name, created, created_by, jobcenter, filter_json, selection,
            note, advertising_policy, updated_at)
        SELECT name, created, created_by, contact_jobcenter, filter_json, selection, note,
            advertising_policy, updated_at FROM _team_campaigns
        WHERE name NOT IN (SELECT name FROM campaigns)
        """,
    )
    pulled["campaigns"] += _changed(
        cur,
        """
        UPDATE campaigns c SET jobcenter = s.contact_jobcenter, filter_json = s.filter_json,
            selection = s.selection, note = s.note, advertising_policy = s.advertising_policy,
            updated_at = s.updated_at
        FROM _team_campaigns s
        WHERE c.name = s.name AND s.updated_at >= coalesce(c.updated_at, c.created)
          AND (c.jobcenter, c.filter_json, c.selection, c.note, c.advertising_policy,
               coalesce(c.updated_at, c.created))
              IS DISTINCT FROM (s.contact_jobcenter, s.filter_json, s.selection, s.note,
               s.advertising_policy, s.updated_at)
        """,
    )
    pulled["targets"] = _changed(
        cur,
        """
        INSERT INTO campaign_targets (campaign, cvr, pnr, score, components_json, status,
            assigned_to, status_at, note, assigned_at)
        SELECT s.campaign, s.cvr, nullif(s.pnr, ''), s.score, s.components_json, 'planlagt',
            s.assigned_to, NULL, NULL, s.assigned_at
        FROM _team_targets s
        WHERE NOT EXISTS (SELECT 1 FROM campaign_targets t WHERE t.campaign = s.campaign
            AND t.cvr = s.cvr AND coalesce(t.pnr, '') = s.pnr)
        """,
    )
    pulled["assignments"] = _changed(
        cur,
        """
        UPDATE campaign_targets t SET assigned_to = s.assigned_to, assigned_at = s.assigned_at
        FROM _team_targets s
        WHERE t.campaign = s.campaign AND t.cvr = s.cvr AND coalesce(t.pnr, '') = s.pnr
          AND s.assigned_at IS NOT NULL
          AND (t.assigned_at IS NULL OR s.assigned_at >= t.assigned_at)
          AND (t.assigned_to, t.assigned_at) IS DISTINCT FROM (s.assigned_to, s.assigned_at)
        """,
    )
    pulled["history"] = _changed(
        cur,
        """
        INSERT INTO campaign_target_history
            (campaign, cvr, pnr, status, "at", "by", note)
        SELECT s.campaign, s.cvr, nullif(s.pnr, ''), s.status, s."at", nullif(s."by", ''),
            s.note
        FROM _team_history s
        WHERE NOT EXISTS (SELECT 1 FROM campaign_target_history h
            WHERE h.campaign = s.campaign AND h.cvr = s.cvr AND coalesce(h.pnr, '') = s.pnr
              AND h."at" = s."at" AND coalesce(h."by", '') = s."by" AND h.status = s.status)
        """,
    )
    # The current status of every target of a synced campaign: its latest history entry.
    _changed(
        cur,
        """
        UPDATE campaign_targets t SET status = l.status, status_at = l."at",
            note = coalesce(l.note, t.note)
        FROM (
            SELECT campaign, cvr, pnr,
                arg_max(status, ("at", coalesce("by", ''), status)) AS status,
                max("at") AS "at",
                arg_max(note, "at") FILTER (WHERE note IS NOT NULL) AS note
            FROM campaign_target_history
            WHERE campaign IN (SELECT name FROM _team_campaigns)
            GROUP BY campaign, cvr, pnr
        ) l
        WHERE t.campaign = l.campaign AND t.cvr = l.cvr AND t.pnr IS NOT DISTINCT FROM l.pnr
          AND (t.status, t.status_at, t.note)
              IS DISTINCT FROM (l.status, l."at", coalesce(l.note, t.note))
        """,
    )
    pulled["job_orders"] = _changed(
        cur,
        f"""
        INSERT INTO job_orders ({", ".join(_ORDER_COLS)})
        SELECT * FROM _team_job_orders WHERE id NOT IN (SELECT id FROM job_orders)
        """,
    )
    sets = ", ".join(f"{c} = s.{c}" for c in _ORDER_COLS if c != "id")
    pulled["job_orders"] += _changed(
        cur,
        f"""
        UPDATE job_orders o SET {sets} FROM _team_job_orders s
        WHERE o.id = s.id AND s.updated >= o.updated
          AND ({", ".join("o." + c for c in _ORDER_COLS)})
              IS DISTINCT FROM ({", ".join("s." + c for c in _ORDER_COLS)})
        """,
    )


def _log_run(
    store: Store, cur: Any, result: SyncResult, started: datetime, status: str, message: str
) -> None:
    """One refresh_log row per sync (no secrets: the message names host and database)."""
    if store.read_only:
        return
    try:
        with store.transaction(cur):
            cur.execute(
                "INSERT INTO refresh_log (run_id, plugin, started, finished, status, "
                "rows_written, rows_rejected, message) VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                [
                    result.run_id,
                    PLUGIN_ID,
                    started,
                    datetime.now(),
                    status,
                    sum(result.pulled.values()),
                    message,
                ],
            )
    except Exception:  # the log must not turn a sync's outcome into another error
        log.warning("team sync run %s: could not write refresh_log", result.run_id)


def last_sync(store: Store) -> dict[str, Any] | None:
    """The latest sync of this cache (refresh_log), for ``team status``."""
    row = (
        store.cursor()
        .execute(
            "SELECT run_id, started, finished, status, rows_written, message FROM refresh_log "
            "WHERE plugin = ? ORDER BY started DESC LIMIT 1",
            [PLUGIN_ID],
        )
        .fetchone()
    )
    if row is None:
        return None
    keys = ("run_id", "started", "finished", "status", "rows_written", "message")
    return dict(zip(keys, row, strict=True))
