"""``workbench job-order list|candidates|share|unshare``: saved job orders for scripts.

``list --format json`` -> ``{"job_orders": [{"id", "title", "occupation_codes", "cvr", "pnr",
"source_posting_id", "received_at", "clarify_by", "deliver_by", "created", "updated"}]}``;
``candidates ID`` -> the order's kept shortlist (``jobcenter``, ``candidate_id``, ``reason``,
``added_at``, ``added_by``) within the user's scope; ``share ID --with KODE --purpose TEXT``
makes those candidates visible to another jobcenter (audited as ``share_job_order``);
``unshare ID --with KODE`` closes it again. Unknown id or missing purpose: exit 2.
"""

from __future__ import annotations

import argparse
from typing import Any

from .common import (
    UsageError,
    add_cache_options,
    add_format_option,
    add_share_parsers,
    cache_path,
    print_json,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("job-order", help="saved job orders: list, candidates, share")
    actions = p.add_subparsers(dest="action", required=True, parser_class=type(p))
    ls = actions.add_parser("list", help="the saved job orders")
    cands = actions.add_parser("candidates", help="a job order's shortlisted candidates")
    cands.add_argument("id", metavar="ID")
    share, unshare = add_share_parsers(actions, "job order", "ID")
    for sub in (ls, cands, share, unshare):
        add_cache_options(sub)
        add_format_option(sub)
        sub.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.core.config import load_settings
    from workbench.core.matching import orders
    from workbench.core.matching.order import JobOrderError
    from workbench.core.store import shares
    from workbench.core.store.scope import ScopeError

    from .user_context import open_as_user

    settings = load_settings(args.config)
    writes = args.action in ("share", "unshare")
    store = open_as_user(cache_path(args), settings, read_only=not writes)
    try:
        try:
            if args.action == "list":
                data: dict[str, Any] = {"job_orders": orders.list_job_orders(store)}
            elif args.action == "candidates":
                store.scope.require_rows("job order candidates")
                orders.load_job_order(store, args.id)
                data = {"job_order": args.id, "candidates": orders.order_candidates(store, args.id)}
            elif args.action == "share":
                store.scope.require_rows("job order candidates")
                data = orders.share_job_order(
                    store, args.id, args.with_jobcenter, purpose=args.purpose
                )
            else:
                orders.load_job_order(store, args.id)
                shares.unshare(store.con, "job_order", args.id, args.with_jobcenter)
                data = {"job_order": args.id, "unshared_with": args.with_jobcenter}
        except (JobOrderError, ScopeError) as exc:
            raise UsageError(str(exc)) from None
    finally:
        store.close()
    if args.format == "json":
        print_json(data)
    else:
        _print_text(args.action, data)
    return 0


def _print_text(action: str, data: dict[str, Any]) -> None:
    if action == "list":
        for o in data["job_orders"]:
            print(f"{o['id']}\t{o['title'] or ''}\t{o['deliver_by'] or ''}".rstrip())
        if not data["job_orders"]:
            print("ingen jobordrer")
    elif action == "candidates":
        for c in data["candidates"]:
            print(f"{c['jobcenter'] or ''}:{c['candidate_id']}\t{c['reason'] or ''}")
    elif action == "share":
        print(
            f"{data['job_order']} delt med jobcenter {data['shared_with']} "
            f"({data['candidates']} kandidater)"
        )
    else:
        print(f"{data['job_order']} deles ikke længere med jobcenter {data['unshared_with']}")
