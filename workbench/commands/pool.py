"""``workbench pool list|show|create|add|share|unshare``: candidate pools (emnebanker) for
scripts. ``share NAME --with KODE --purpose TEXT`` makes the pool's members visible to another
jobcenter (audited as ``share_pool``; only the pool's own jobcenter shares it).

``pool list --format json`` -> ``{"pools": [{"name", "owner", "jobcenter", "note",
"has_criteria", "created", "members", "latest_run", "joined", "left"}]}``;
``pool show NAME --format json`` -> the pool (``name``, ``owner``, ``jobcenter``, ``note``,
``criteria``, ``created``), its ``members`` (``candidate_id``, ``note``, ``status``,
``added``, ``added_by``, ``left_at``, ``left_reason``) and its latest ``changes``
(``run_id``, ``at``, ``joined``, ``left``: ``[{"candidate_id", "reason"}]``). An unknown
pool or candidate: one line, exit 2.
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
    p = subparsers.add_parser("pool", help="candidate pools (emnebanker)")
    actions = p.add_subparsers(dest="action", required=True, parser_class=type(p))
    ls = actions.add_parser("list", help="the pools with member counts and latest changes")
    show = actions.add_parser("show", help="a pool's members and latest changes")
    show.add_argument("name", metavar="NAME")
    create = actions.add_parser("create", help="a new pool (members by hand)")
    create.add_argument("name", metavar="NAME")
    create.add_argument("--note", default="")
    create.add_argument("--jobcenter", default=None, metavar="KODE")
    add = actions.add_parser("add", help="add candidates to a pool")
    add.add_argument("name", metavar="NAME")
    add.add_argument(
        "--candidate", action="append", required=True, metavar="ID", help="candidate id (repeat)"
    )
    share, unshare = add_share_parsers(actions, "pool", "NAME")
    for sub in (ls, show, create, add, share, unshare):
        add_cache_options(sub)
        add_format_option(sub)
        sub.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.core import pools
    from workbench.core.config import load_settings
    from workbench.core.saved_searches import current_user
    from workbench.core.store.scope import ScopeError

    from .user_context import open_as_user

    settings = load_settings(args.config)
    writes = args.action in ("create", "add", "share", "unshare")
    # Read as the configured user: members outside their jobcenter scope stay hidden.
    store = open_as_user(cache_path(args), settings, read_only=not writes)
    try:
        try:
            if args.action in ("show", "add", "share", "unshare"):
                store.scope.require_rows("pool members")
            data = _act(args, store, pools, current_user(settings))
        except (pools.PoolError, ScopeError) as exc:
            raise UsageError(str(exc)) from None
    finally:
        store.close()
    if args.format == "json":
        print_json(data)
    else:
        _print_text(args.action, data)
    return 0


def _act(args: argparse.Namespace, store: Any, pools: Any, user: str) -> dict[str, Any]:
    if args.action == "list":
        return {"pools": pools.list_pools(store)}
    if args.action == "show":
        return pools.pool_report(store, args.name)
    if args.action == "create":
        return pools.create_pool(
            store, args.name, owner=user, jobcenter=args.jobcenter, note=args.note
        ).to_json()
    if args.action == "share":
        return pools.share_pool(store, args.name, args.with_jobcenter, purpose=args.purpose)
    if args.action == "unshare":
        return pools.unshare_pool(store, args.name, args.with_jobcenter)
    added = pools.add_members(store, args.name, args.candidate, added_by=user)
    return {"pool": args.name, "added": added}


def _print_text(action: str, data: dict[str, Any]) -> None:
    if action == "list":
        for p in data["pools"]:
            print(
                f"{p['name']}\t{p['members']} medlemmer\t+{p['joined']} -{p['left']}"
                f"\t{p['owner']}\t{p['note']}".rstrip()
            )
        if not data["pools"]:
            print("ingen emnebanker")
    elif action == "show":
        print(f"{data['name']} ({data['owner']}){': ' + data['note'] if data['note'] else ''}")
        for m in data["members"]:
            print(f"  {m['candidate_id']}\t{m['status']}\t{m['note']}".rstrip())
        ch = data["changes"]
        if ch["run_id"]:
            print(f"Seneste ændringer ({ch['at']}):")
            for cid in ch["joined"]:
                print(f"  + {cid}")
            for left in ch["left"]:
                print(f"  - {left['candidate_id']}: {left['reason']}")
    elif action == "create":
        print(f"emnebank {data['name']} oprettet")
    elif action == "share":
        print(
            f"{data['pool']} delt med jobcenter {data['shared_with']} ({data['members']} medlemmer)"
        )
    elif action == "unshare":
        print(f"{data['pool']} deles ikke længere med jobcenter {data['unshared_with']}")
    else:
        print(f"{data['added']} tilføjet til {data['pool']}")
