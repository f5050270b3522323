"""Sharing with another jobcenter (issue #15): a pool (by name) or a job order (by id)
shared with a jobcenter makes its candidates visible there (``scope.SHARE_MEMBERS``); a
jobcenter can also show its collaborations' status and note (kind ``collaborations``).
Every share is written to the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .. import audit
from ..filters import normalise_kommune_kode
from .scope import SHARE_KINDS, ScopeError

_ACTIONS = {"pool": "share_pool", "job_order": "share_job_order"}


def share(
    con: Any,
    kind: str,
    ref: str,
    jobcenter: str,
    *,
    user: str | None,
    own_jobcenter: str | None,
    purpose: str | None,
    subject_ids: list[str] | None = None,
) -> None:
    """Share ``ref`` of ``kind`` with ``jobcenter``; ``subject_ids`` are the pseudonymous
    ids it makes visible (a pool's members), for the audit entry."""
    if kind not in SHARE_KINDS:
        raise ScopeError(f"unknown share kind {kind!r}: use {', '.join(SHARE_KINDS)}")
    code = normalise_kommune_kode(jobcenter)
    now = datetime.now()
    con.execute(
        "INSERT INTO shares (kind, ref, jobcenter, shared_by, shared_at) "
        "SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS "
        "(SELECT 1 FROM shares WHERE kind = ? AND ref = ? AND jobcenter = ?)",
        [kind, str(ref), code, user, now, kind, str(ref), code],
    )
    if kind in _ACTIONS:
        audit.append(
            con,
            user=user,
            jobcenter=own_jobcenter,
            action=_ACTIONS[kind],
            subject_ids=[str(ref), *(subject_ids or [])],
            purpose=purpose or f"shared with jobcenter {code}",
            job_order_id=str(ref) if kind == "job_order" else None,
            at=now,
        )


def unshare(con: Any, kind: str, ref: str, jobcenter: str) -> None:
    """Stop sharing (the candidates are no longer visible there from the next query)."""
    con.execute(
        "DELETE FROM shares WHERE kind = ? AND ref = ? AND jobcenter = ?",
        [kind, str(ref), normalise_kommune_kode(jobcenter)],
    )
