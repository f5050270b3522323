"""Campaigns in the cache: create (targets ranked), read, assign, set statuses (with their
history) and count progress. Every function takes a :class:`~workbench.core.store.Store`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np

from ..filters import Filter
from ..query import points
from ..selections import load_selection
from ..store import Store
from .model import (
    ADVERTISING_NOTE,
    DEFAULT_ADVERTISING_POLICY,
    DEFAULT_RADIUS_KM,
    DEFAULT_STATUS,
    DEFAULT_WEIGHTS,
    REACHED,
    STATUSES,
    CampaignError,
    ScoreWeights,
    check_policy,
    status_key,
)
from .ranking import RankOptions, rank


@dataclass(frozen=True)
class Campaign:
    name: str
    created: datetime
    created_by: str | None
    jobcenter: str | None
    filter: Filter | None
    selection: str | None
    note: str | None
    advertising_policy: str


@dataclass(frozen=True)
class Created:
    campaign: Campaign
    targets: int
    excluded_protected: int  # advertising-protected units left out (policy exclude)
    marked_protected: int  # advertising-protected units kept and marked (policy mark)


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def campaign_filter(
    store: Store, flt: Filter | None, selection: str | None
) -> tuple[Filter, str | None]:
    """The company filter of a campaign: ``flt`` restricted to ``selection`` (the name of a
    saved selection, or selection JSON). Returns the filter and the selection as stored."""
    flt = flt or Filter()
    if selection:
        text = selection.strip()
        if text.startswith("{"):
            flt = flt.with_selection(text)
        else:
            saved = load_selection(store.cursor(), text)
            flt = saved.as_filter(flt if flt != Filter() else None)
    return flt.normalised(), selection


def target_rids(store: Store, flt: Filter) -> np.ndarray:
    """The production units the campaign filter selects (exactly what ``search companies``
    finds: the same compiled filter and exact selection test)."""
    cur = store.cursor()
    try:
        return points(cur, "companies", flt, strict=False, ordered=False).rid
    finally:
        cur.close()


def create_campaign(
    store: Store,
    name: str,
    *,
    flt: Filter | None = None,
    selection: str | None = None,
    jobcenter: str | None = None,
    created_by: str | None = None,
    note: str | None = None,
    advertising_policy: str = DEFAULT_ADVERTISING_POLICY,
    radius_km: float = DEFAULT_RADIUS_KM,
    weights: ScoreWeights = DEFAULT_WEIGHTS,
    today: date | None = None,
) -> Created:
    """Create campaign ``name`` with its ranked targets; refuses an existing name and a
    filter that matches no company (CampaignError)."""
    name = (name or "").strip()
    if not name:
        raise CampaignError("a campaign needs a name")
    check_policy(advertising_policy)
    today = today or store.reference_date()
    cur = store.cursor()
    try:
        if cur.execute("SELECT 1 FROM campaigns WHERE name = ?", [name]).fetchone():
            raise CampaignError(f"a campaign named {name!r} exists already")
        full, selection = campaign_filter(store, flt, selection)
        rids = target_rids(store, full)
        if rids.size == 0:
            raise CampaignError("the filter matches no company: the campaign would be empty")
        ranked = rank(cur, rids, RankOptions(today, jobcenter, radius_km, weights))
        protected = int(np.count_nonzero(ranked.column("protected").to_numpy()))
        excluded = 0
        if advertising_policy == "exclude" and protected:
            keep = ~ranked.column("protected").to_numpy()
            ranked = ranked.filter(keep)
            excluded, protected = protected, 0
        if ranked.num_rows == 0:
            raise CampaignError(
                "every company the filter matches is advertising-protected (policy exclude)"
            )
        flt_json = None if flt is None else json.dumps(flt.to_dict(), ensure_ascii=False)
        created = _now()
        cur.register("_ranked", ranked)
        try:
            with store.transaction(cur):
                cur.execute(
                    "INSERT INTO campaigns (name, created, created_by, jobcenter, filter_json, "
                    "selection, note, advertising_policy) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        name,
                        created,
                        created_by,
                        jobcenter,
                        flt_json,
                        selection,
                        note,
                        advertising_policy,
                    ],
                )
                cur.execute(
                    f"""
                    INSERT INTO campaign_targets (campaign, cvr, pnr, score,
                        components_json, status, assigned_to, status_at, note)
                    SELECT ?, cvr, pnr, score, to_json(struct_pack(
                        supply := supply, radius_km := ?::DOUBLE,
                        occupations := coalesce(string_split(sig, ','), []::VARCHAR[]),
                        shortage := shortage, shortage_available := shortage_available,
                        postings := postings, last_contact := last_contact,
                        days_since_contact := days_since_contact,
                        advertising_protected := protected,
                        advertising_note := CASE WHEN protected THEN ? END,
                        points := struct_pack(supply := p_supply, shortage := p_shortage,
                                              postings := p_postings, contact := p_contact)
                    ))::VARCHAR, '{DEFAULT_STATUS}', NULL, ?, NULL
                    FROM _ranked
                    """,
                    [name, radius_km, ADVERTISING_NOTE, created],
                )
                cur.execute(
                    "INSERT INTO campaign_target_history "
                    f"SELECT ?, cvr, pnr, '{DEFAULT_STATUS}', ?, ?, NULL FROM _ranked",
                    [name, created, created_by],
                )
        finally:
            cur.unregister("_ranked")
        return Created(load_campaign(store, name), ranked.num_rows, excluded, protected)
    finally:
        cur.close()


def load_campaign(store: Store, name: str) -> Campaign:
    row = (
        store.cursor()
        .execute(
            "SELECT name, created, created_by, jobcenter, filter_json, selection, note, "
            "advertising_policy FROM campaigns WHERE name = ?",
            [name],
        )
        .fetchone()
    )
    if row is None:
        known = list_campaigns(store)
        hint = f" (known: {', '.join(known)})" if known else " (there are no campaigns yet)"
        raise CampaignError(f"no campaign named {name!r}{hint}")
    flt = Filter.from_dict(json.loads(row[4])) if row[4] else None
    return Campaign(row[0], row[1], row[2], row[3], flt, row[5], row[6], row[7])


def list_campaigns(store: Store) -> list[str]:
    rows = store.cursor().execute("SELECT name FROM campaigns ORDER BY created, name").fetchall()
    return [r[0] for r in rows]


def delete_campaign(store: Store, name: str) -> None:
    load_campaign(store, name)
    cur = store.cursor()
    with store.transaction(cur):
        for table, col in (
            ("campaign_target_history", "campaign"),
            ("campaign_targets", "campaign"),
            ("campaigns", "name"),
        ):
            cur.execute(f"DELETE FROM {table} WHERE {col} = ?", [name])


TARGET_COLUMNS = (
    "rank",
    "cvr",
    "pnr",
    "name",
    "address",
    "postnr",
    "kommune_kode",
    "x",
    "y",
    "advertising_protected",
    "score",
    "components",
    "status",
    "assigned_to",
    "status_at",
    "note",
)


def targets(
    store: Store,
    name: str,
    *,
    assigned_to: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The campaign's targets by score (highest first; ties by CVR and P-number) with the
    unit's name, address and place from ``companies`` and the parsed components."""
    load_campaign(store, name)
    where = "t.campaign = ?"
    params: list[Any] = [name]
    if assigned_to is not None:
        where += " AND t.assigned_to = ?"
        params.append(assigned_to)
    lim = "" if limit is None else f" LIMIT {int(limit)}"
    # Cut on the keys alone (a top-N, no full sort), then join the rows kept to their
    # components and to companies: a window over 1M targets with their JSON took seconds.
    rel = store.cursor().execute(
        f"""
        WITH top AS (
            SELECT t.cvr, t.pnr, t.score FROM campaign_targets t WHERE {where}
            ORDER BY t.score DESC, t.cvr, t.pnr NULLS FIRST{lim}
        ), ranked AS (
            SELECT *, row_number() OVER (ORDER BY score DESC, cvr, pnr NULLS FIRST) AS rank
            FROM top
        )
        SELECT r.rank, t.cvr, t.pnr, c.name, c.address, c.postnr, c.kommune_kode, c.x, c.y,
               coalesce(c.advertising_protected, FALSE), t.score, t.components_json,
               t.status, t.assigned_to, t.status_at, t.note
        FROM ranked r
        JOIN campaign_targets t ON t.campaign = ? AND t.cvr = r.cvr
            AND coalesce(t.pnr, '') = coalesce(r.pnr, '')
        LEFT JOIN companies c ON c.cvr = t.cvr AND coalesce(c.pnr, '') = coalesce(t.pnr, '')
        ORDER BY r.rank
        """,
        [*params, name],
    )
    out = []
    for row in rel.fetchall():
        item = dict(zip(TARGET_COLUMNS, row, strict=True))
        item["components"] = json.loads(item["components"] or "{}")
        out.append(item)
    return out


def _target_keys(store: Store, name: str, cvr: str, pnr: str | None) -> list[str | None]:
    """The P-numbers of the targets ``cvr`` (/``pnr``) in campaign ``name``; raises if none."""
    cvr = str(cvr).strip()
    pnr = None if pnr in (None, "") else str(pnr).strip()
    rows = (
        store.cursor()
        .execute(
            "SELECT pnr FROM campaign_targets WHERE campaign = ? AND cvr = ? "
            "AND (? IS NULL OR pnr = ?)",
            [name, cvr, pnr, pnr],
        )
        .fetchall()
    )
    if not rows:
        unit = f" P-nr {pnr}" if pnr else ""
        raise CampaignError(f"campaign {name!r} has no target CVR {cvr}{unit}")
    return [r[0] for r in rows]


def set_status(
    store: Store,
    name: str,
    cvr: str,
    status: str,
    *,
    pnr: str | None = None,
    by: str | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> int:
    """Set the status of target ``cvr`` (the unit ``pnr``, or every unit of the CVR in the
    campaign) and append it to the history. Returns the number of targets changed."""
    key = status_key(status)
    load_campaign(store, name)
    pnrs = _target_keys(store, name, cvr, pnr)
    at = at or _now()
    cur = store.cursor()
    with store.transaction(cur):
        for p in pnrs:
            cur.execute(
                "UPDATE campaign_targets SET status = ?, status_at = ?, note = coalesce(?, note) "
                "WHERE campaign = ? AND cvr = ? AND pnr IS NOT DISTINCT FROM ?",
                [key, at, note, name, str(cvr).strip(), p],
            )
            cur.execute(
                "INSERT INTO campaign_target_history VALUES (?, ?, ?, ?, ?, ?, ?)",
                [name, str(cvr).strip(), p, key, at, by, note],
            )
    return len(pnrs)


def history(store: Store, name: str, cvr: str, pnr: str | None = None) -> list[dict[str, Any]]:
    """The status history of a target, oldest first."""
    rel = store.cursor().execute(
        'SELECT cvr, pnr, status, "at", "by", note FROM campaign_target_history '
        'WHERE campaign = ? AND cvr = ? AND (? IS NULL OR pnr = ?) ORDER BY "at", rowid',
        [name, str(cvr).strip(), pnr, pnr],
    )
    cols = ("cvr", "pnr", "status", "at", "by", "note")
    return [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]


def assign(
    store: Store,
    name: str,
    consultant: str | None,
    *,
    cvrs: list[tuple[str, str | None]] | None = None,
    top: int | None = None,
) -> int:
    """Assign targets to ``consultant`` (None unassigns): the given ``(cvr, pnr)`` pairs
    (pnr None: every unit of the CVR), or the ``top`` highest-scored unassigned targets."""
    load_campaign(store, name)
    cur = store.cursor()
    changed = 0
    now = _now()  # the assignment's time: the team store's last writer wins by it
    with store.transaction(cur):
        for cvr, pnr in cvrs or []:
            for p in _target_keys(store, name, cvr, pnr):
                cur.execute(
                    "UPDATE campaign_targets SET assigned_to = ?, assigned_at = ? "
                    "WHERE campaign = ? AND cvr = ? AND pnr IS NOT DISTINCT FROM ?",
                    [consultant, now, name, str(cvr).strip(), p],
                )
                changed += 1
        if top:
            n = cur.execute(
                """
                UPDATE campaign_targets SET assigned_to = ?, assigned_at = ?
                WHERE campaign = ? AND (cvr, coalesce(pnr, '')) IN (
                    SELECT (cvr, coalesce(pnr, '')) FROM campaign_targets
                    WHERE campaign = ? AND assigned_to IS NULL
                    ORDER BY score DESC, cvr, pnr NULLS FIRST LIMIT ?)
                """,
                [consultant, now, name, name, int(top)],
            ).fetchone()
            changed += int(n[0]) if n else 0
    return changed


def progress(store: Store, name: str) -> dict[str, Any]:
    """Targets per status in total and per consultant (``null``: unassigned), with how
    many were reached (any status after ``planlagt``)."""
    load_campaign(store, name)
    rows = (
        store.cursor()
        .execute(
            "SELECT assigned_to, status, count(*) FROM campaign_targets WHERE campaign = ? "
            "GROUP BY ALL ORDER BY assigned_to NULLS LAST, status",
            [name],
        )
        .fetchall()
    )

    def empty() -> dict[str, Any]:
        return {"targets": 0, "reached": 0, "statuses": dict.fromkeys(STATUSES, 0)}

    total = empty()
    per: dict[str | None, dict[str, Any]] = {}
    for who, status, n in rows:
        for bucket in (total, per.setdefault(who, empty())):
            bucket["targets"] += n
            bucket["statuses"][status] = bucket["statuses"].get(status, 0) + n
            if status in REACHED:
                bucket["reached"] += n
    return {
        "total": total,
        "by_consultant": [{"assigned_to": who} | data for who, data in per.items()],
    }
