"""``workbench show candidate ID --purpose TEXT``: one candidate's details, audited (#15)."""

from __future__ import annotations

import argparse

from workbench.core import audit
from workbench.core.config import load_settings
from workbench.core.schema import ENTITY_COLUMNS
from workbench.core.store.scope import ScopeError

from .common import UsageError, add_cache_options, add_format_option, cache_path, print_json
from .options import shown
from .user_context import open_as_user


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "show", help="show one candidate's details (within your scope; written to the audit log)"
    )
    p.add_argument("entity", choices=["candidate"])
    p.add_argument("id", metavar="ID", help="the candidate's pseudonymous id (candidate_id)")
    p.add_argument("--purpose", help="why you open the details (required; in the audit log)")
    p.add_argument("--job-order", metavar="ID", help="the job order the purpose belongs to")
    p.add_argument("--campaign", metavar="ID", help="the campaign the purpose belongs to")
    add_cache_options(p)
    add_format_option(p, ("json", "text"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    purpose = (args.purpose or "").strip()
    if not purpose:
        raise UsageError(
            "a purpose is required (--purpose TEXT): opening a candidate's details is "
            "written to the audit log with its purpose"
        )
    settings = load_settings(args.config)
    store = open_as_user(cache_path(args), settings, read_only=False)
    try:
        try:
            store.scope.require_rows("candidate details")
        except ScopeError as exc:
            raise UsageError(str(exc)) from None
        row = candidate_by_id(store, args.id)
        if row is None:  # out of scope reads the same as absent: nothing leaks
            raise UsageError(f"candidate {shown(args.id)} not found")
        user = store.user
        audit.append(
            store.con,
            user=user.user if user else None,
            jobcenter=user.jobcenter if user else None,
            action="view_details",
            subject_ids=[audit.subject_id(row["candidate_id"], row.get("jobcenter"))],
            purpose=purpose,
            job_order_id=args.job_order,
            campaign_id=args.campaign,
        )
    finally:
        store.close()
    if args.format == "json":
        print_json(row)
    else:
        for key, value in row.items():
            print(f"{key}: {'' if value is None else value}")
    return 0


def candidate_by_id(store: object, candidate_id: str) -> dict | None:
    """The candidate with this pseudonymous id that the store's user may see (their own
    jobcenter's first when a shared one has the same id), or None."""
    sql, params = store.candidate_scope("t")  # type: ignore[attr-defined]
    own = store.scope.jobcenter  # type: ignore[attr-defined]
    rids = store.con.execute(  # type: ignore[attr-defined]
        f"SELECT t.rid FROM candidates AS t WHERE t.candidate_id = ? AND {sql} "
        "ORDER BY t.jobcenter IS NOT DISTINCT FROM ? DESC, t.rid LIMIT 1",
        [candidate_id, *params, own],
    ).fetchall()
    if not rids:
        return None
    columns = [c for c in ENTITY_COLUMNS["candidates"] if c != "rid"]
    found = store.person_rows("candidates", [rids[0][0]], columns)  # type: ignore[attr-defined]
    return found[0] if found else None
