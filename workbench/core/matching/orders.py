"""The ``job_orders`` table: save, load, list and delete job orders, and start one from a
Jobnet posting or a company."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import datetime, time
from typing import Any

from .order import DELIVER_WITHIN, JobOrder, JobOrderError, Workplace

_LIST_COLUMNS = [
    "id",
    "title",
    "occupation_codes",
    "cvr",
    "pnr",
    "source_posting_id",
    "received_at",
    "clarify_by",
    "deliver_by",
    "created",
    "updated",
]


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def save_job_order(store: Any, order: JobOrder) -> str:
    """Insert or replace ``order``; returns its id (a new one when it had none). The
    deadlines are set from received_at (now when missing) where not given."""
    order = order.with_deadlines()
    order_id = order.id or f"JO-{uuid.uuid4().hex[:12]}"
    order = replace(order, id=order_id)
    now = _now()
    with store.transaction() as con:
        row = con.execute("SELECT created FROM job_orders WHERE id = ?", [order_id]).fetchone()
        con.execute("DELETE FROM job_orders WHERE id = ?", [order_id])
        con.execute(
            "INSERT INTO job_orders (id, title, occupation_codes, cvr, pnr, source_posting_id,"
            " received_at, clarify_by, deliver_by, order_json, created, updated)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                order_id,
                order.title,
                list(order.occupation_codes),
                order.cvr,
                order.pnr,
                order.source_posting_id,
                order.received_at,
                order.clarify_by,
                order.deliver_by,
                json.dumps(order.to_json(), ensure_ascii=False),
                row[0] if row else now,
                now,
            ],
        )
    return order_id


def load_job_order(store: Any, order_id: str) -> JobOrder:
    row = (
        store.cursor()
        .execute("SELECT order_json FROM job_orders WHERE id = ?", [order_id])
        .fetchone()
    )
    if row is None:
        raise JobOrderError("id", f"no job order {order_id!r} in the cache")
    return JobOrder.from_json(json.loads(row[0]))


def list_job_orders(store: Any) -> list[dict[str, Any]]:
    """One dict per order (the table's columns without the JSON), newest received first."""
    cur = store.cursor()
    rows = cur.execute(
        f"SELECT {', '.join(_LIST_COLUMNS)} FROM job_orders "
        "ORDER BY received_at DESC NULLS LAST, created DESC, id"
    ).fetchall()
    return [dict(zip(_LIST_COLUMNS, r, strict=True)) for r in rows]


def delete_job_order(store: Any, order_id: str) -> None:
    with store.transaction() as con:
        con.execute("DELETE FROM job_order_candidates WHERE job_order_id = ?", [order_id])
        con.execute("DELETE FROM job_orders WHERE id = ?", [order_id])


SHORTLISTED = "kandidatforslag"


def record_candidates(
    store: Any,
    order_id: str,
    rids: list[int],
    *,
    reason: str = SHORTLISTED,
    added_by: str | None = None,
) -> int:
    """Keep the candidates at ``rids`` as ``order_id``'s list (replacing the one before):
    the pseudonymous id with its jobcenter and the reason, nothing else. Returns how many."""
    now = _now()
    with store.transaction() as con:
        con.execute("DELETE FROM job_order_candidates WHERE job_order_id = ?", [order_id])
        con.execute(
            "INSERT INTO job_order_candidates "
            "SELECT DISTINCT ?, jobcenter, candidate_id, ?, ?, ? FROM candidates "
            "WHERE rid IN (SELECT unnest(?::BIGINT[]))",
            [order_id, reason, now, added_by, [int(r) for r in rids]],
        )
        (n,) = con.execute(
            "SELECT count(*) FROM job_order_candidates WHERE job_order_id = ?", [order_id]
        ).fetchone()
    return int(n)


def order_candidates(store: Any, order_id: str) -> list[dict[str, Any]]:
    """``order_id``'s kept candidates (``jobcenter``, ``candidate_id``, ``reason``,
    ``added_at``, ``added_by``), within the store's scope."""
    scope, params = store.candidate_scope("k")
    keys = ("jobcenter", "candidate_id", "reason", "added_at", "added_by")
    rows = (
        store.cursor()
        .execute(
            f"SELECT {', '.join(keys)} FROM job_order_candidates k "
            f"WHERE job_order_id = ? AND {scope} ORDER BY added_at, jobcenter, candidate_id",
            [order_id, *params],
        )
        .fetchall()
    )
    return [dict(zip(keys, r, strict=True)) for r in rows]


def share_job_order(
    store: Any,
    order_id: str,
    jobcenter: str,
    *,
    purpose: str,
    user: str | None = None,
    own_jobcenter: str | None = None,
) -> dict[str, Any]:
    """Share ``order_id`` with another jobcenter (issue #15): its kept candidates become
    visible there; audited with the purpose and every candidate."""
    from ..audit import subject_id
    from ..store import shares

    if not (purpose or "").strip():
        raise JobOrderError("purpose", "sharing a job order needs a purpose (--purpose)")
    load_job_order(store, order_id)  # an unknown id: one clear line
    ctx = getattr(store, "user", None)
    ids = [subject_id(c["candidate_id"], c["jobcenter"]) for c in order_candidates(store, order_id)]
    shares.share(
        store.con,
        "job_order",
        order_id,
        jobcenter,
        user=user or (ctx.user if ctx is not None else None),
        own_jobcenter=own_jobcenter or (ctx.jobcenter if ctx is not None else None),
        purpose=purpose.strip(),
        subject_ids=ids,
    )
    return {
        "job_order": order_id,
        "shared_with": shares.normalise_kommune_kode(jobcenter),
        "candidates": len(ids),
    }


def job_order_from_posting(
    store: Any, posting_id: str, *, received_at: datetime | None = None
) -> JobOrder:
    """An order prefilled from a Jobnet posting: its occupation code, title, workplace (the
    posting's point, cvr and pnr), received now, clarify within 24 h, deliver within 72 h or
    by the end of the posting's application deadline when that comes first (a deadline
    already passed is ignored)."""
    row = (
        store.cursor()
        .execute(
            "SELECT occupation_code, title, cvr, pnr, x, y, deadline FROM job_postings"
            " WHERE posting_id = ?",
            [posting_id],
        )
        .fetchone()
    )
    if row is None:
        raise JobOrderError("source_posting_id", f"no job posting {posting_id!r} in the cache")
    code, title, cvr, pnr, x, y, deadline = row
    received = received_at or _now()
    deliver_by = received + DELIVER_WITHIN
    if deadline is not None:
        end = datetime.combine(
            deadline.date() if isinstance(deadline, datetime) else deadline, time(23, 59)
        )
        if received < end < deliver_by:
            deliver_by = end
    workplace = Workplace(
        x=None if x is None else float(x),
        y=None if y is None else float(y),
        cvr=cvr or None,
        pnr=pnr or None,
    )
    has_place = workplace.xy is not None or workplace.cvr or workplace.pnr
    order = JobOrder(
        occupation_codes=[code] if code else [],
        title=title or "",
        workplace=workplace if has_place else None,
        cvr=cvr or None,
        pnr=pnr or None,
        source_posting_id=posting_id,
        received_at=received,
        deliver_by=deliver_by,
    )
    return order.with_deadlines()


def job_order_for_company(
    store: Any, cvr: str, pnr: str | None = None, *, received_at: datetime | None = None
) -> JobOrder:
    """A blank order with the company (or its production unit ``pnr``) as the workplace."""
    from .order import validate_workplace

    workplace = validate_workplace(store, Workplace(cvr=str(cvr), pnr=pnr and str(pnr)))
    order = JobOrder(
        occupation_codes=[],
        workplace=workplace,
        cvr=workplace.cvr,
        pnr=workplace.pnr,
        received_at=received_at or _now(),
    )
    return order.with_deadlines()
