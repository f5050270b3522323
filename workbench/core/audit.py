"""The purpose-bound audit log: who opened, exported, printed or shared which candidates,
for what purpose (issue #15).

Append-only for the application: :func:`append` is the only code that writes
``audit_log`` (a test greps the code for any other write), and plugins cannot read it
(``core.plugins.guard``). Tamper-evident: each entry carries ``hash`` = sha256 over its
canonical fields and the previous entry's hash (``prev_hash``; the first entry's is
:data:`GENESIS`), and ``cache_meta`` keeps the newest ``seq:hash`` so a cut tail shows too.
:func:`verify` names each changed, deleted or inserted entry. Without a secret key anyone
who can write the file can rebuild a whole consistent chain; the chain catches edits by
hand and by tools that do not know it (docs/security.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb

from . import cache

GENESIS = "0" * 64
HEAD_KEY = "audit_head"
ACTIONS: tuple[str, ...] = (
    "view_details",
    "export",
    "print",
    "share_pool",
    "share_job_order",
    "purge",
)
COLUMNS: tuple[str, ...] = (
    "seq",
    "at",
    "user",
    "jobcenter",
    "action",
    "subject_ids",
    "purpose",
    "job_order_id",
    "campaign_id",
    "prev_hash",
    "hash",
)
_SELECT = (
    'SELECT seq, "at", "user", jobcenter, action, subject_ids, purpose, job_order_id, '
    "campaign_id, prev_hash, hash FROM audit_log"
)


def subject_id(candidate_id: object, jobcenter: object = None) -> str:
    """A candidate as the audit log names it: ``jobcenter:candidate_id``, because a
    candidate_id is unique only within a jobcenter; the bare id where the jobcenter is not
    known (entries written before this rule have bare ids)."""
    return f"{jobcenter}:{candidate_id}" if jobcenter else str(candidate_id)


@dataclass(frozen=True)
class Problem:
    """One break in the chain: ``kind`` is changed, deleted or inserted."""

    seq: int
    kind: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "problem": self.kind, "detail": self.detail}


def entry_hash(entry: dict[str, Any]) -> str:
    """sha256 over the canonical JSON of the entry's fields (not ``hash``) in a fixed
    order; ``at`` as ISO text to the microsecond."""
    at = entry["at"]
    fields = [
        int(entry["seq"]),
        at.isoformat(timespec="microseconds") if isinstance(at, datetime) else str(at),
        entry.get("user"),
        entry.get("jobcenter"),
        entry["action"],
        list(entry.get("subject_ids") or []),
        entry.get("purpose"),
        entry.get("job_order_id"),
        entry.get("campaign_id"),
        entry["prev_hash"],
    ]
    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def append(
    con: duckdb.DuckDBPyConnection,
    *,
    user: str | None,
    jobcenter: str | None,
    action: str,
    subject_ids: Sequence[str] = (),
    purpose: str | None = None,
    job_order_id: str | None = None,
    campaign_id: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Write one entry at the end of the chain (in its own transaction) and return it."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    with cache.transaction(con) as cur:
        last = cur.execute(f"{_SELECT} ORDER BY seq DESC LIMIT 1").fetchall()
        seq = int(last[0][0]) + 1 if last else 1
        entry: dict[str, Any] = {
            "seq": seq,
            # microseconds are what DuckDB's TIMESTAMP keeps: the hash survives the round trip
            "at": (at or datetime.now()).replace(tzinfo=None),
            "user": user,
            "jobcenter": jobcenter,
            "action": action,
            "subject_ids": [str(s) for s in subject_ids],
            "purpose": purpose,
            "job_order_id": None if job_order_id is None else str(job_order_id),
            "campaign_id": None if campaign_id is None else str(campaign_id),
            "prev_hash": last[0][10] if last else GENESIS,
        }
        entry["hash"] = entry_hash(entry)
        cur.execute(
            "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [entry[c] for c in COLUMNS],
        )
        cache.set_meta(cur, HEAD_KEY, f"{seq}:{entry['hash']}")
    return entry


def entries(
    con: duckdb.DuckDBPyConnection, *, since: date | None = None
) -> Iterator[dict[str, Any]]:
    """The entries in chain order (from ``since``, a day, when given)."""
    where, params = ("", []) if since is None else (' WHERE "at" >= ?', [since])
    for row in con.execute(f'{_SELECT}{where} ORDER BY seq, "at"', params).fetchall():
        yield dict(zip(COLUMNS, row, strict=True))


def verify(con: duckdb.DuckDBPyConnection) -> list[Problem]:
    """Every break in the chain, in order (empty: intact)."""
    rows = list(entries(con))
    problems: list[Problem] = []
    expected_prev = GENESIS
    last_seq = 0
    for i, entry in enumerate(rows):
        seq = int(entry["seq"])
        if entry_hash(entry) != entry["hash"]:
            problems.append(
                Problem(seq, "changed", f"entry {seq} was changed after it was written")
            )
        elif entry["prev_hash"] != expected_prev:
            following = rows[i + 1] if i + 1 < len(rows) else None
            if seq > last_seq + 1:
                missing = f"{last_seq + 1}" if seq == last_seq + 2 else f"{last_seq + 1}-{seq - 1}"
                problems.append(Problem(seq, "deleted", f"entry {missing} before {seq} is missing"))
            elif following is None or following["prev_hash"] == expected_prev:
                problems.append(Problem(seq, "inserted", f"entry {seq} was inserted"))
                continue  # the chain goes on from the entry before it
            else:
                problems.append(Problem(seq, "deleted", f"an entry before {seq} is missing"))
        elif seq != last_seq + 1:
            problems.append(Problem(seq, "inserted", f"entry {seq} was inserted out of order"))
        expected_prev = entry["hash"]
        last_seq = seq
    head = cache.get_meta(con, HEAD_KEY)
    if head:
        head_seq, _, head_hash = head.partition(":")
        if int(head_seq) > last_seq:
            first = last_seq + 1
            span = f"{first}" if int(head_seq) == first else f"{first}-{head_seq}"
            problems.append(Problem(first, "deleted", f"entry {span} at the end is missing"))
        elif int(head_seq) == last_seq and rows and head_hash != expected_prev:
            problems.append(Problem(last_seq, "changed", f"entry {last_seq} was replaced"))
    return problems
