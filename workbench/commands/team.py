"""``workbench team sync|status``: the shared team store (issue #18)."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from workbench.core.config import load_settings
from workbench.core.store import Store
from workbench.core.teamstore import TeamStoreError, check, describe, team_store
from workbench.core.teamstore.sync import last_sync, sync

from .common import add_cache_options, add_format_option, cache_path, print_json, progress


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("team", help="the shared team store (campaigns, job orders)")
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    s = sub.add_parser("sync", help="push local changes to the team store and pull the team's")
    add_cache_options(s)
    add_format_option(s)
    s.set_defaults(func=run_sync)
    st = sub.add_parser("status", help="the team store: configured, reachable, last sync")
    add_cache_options(st)
    add_format_option(st)
    st.set_defaults(func=run_status)


def _not_configured() -> TeamStoreError:
    return TeamStoreError(
        'no team store configured: set [store] shared = "postgresql://host:5432/jobkort"'
    )


def run_sync(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    config = team_store(settings)
    if config is None:
        raise _not_configured()
    jobcenter = str(settings.get("user.jobcenter") or "")
    with Store.open(cache_path(args), create=False) as store:
        result = sync(store, config, jobcenter)
    if args.format == "json":
        print_json(result.to_dict())
        return 0
    print(result.summary())
    for label, counts in (("pushed", result.pushed), ("pulled", result.pulled)):
        print(f"  {label}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def run_status(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    reach = check(settings)
    path = cache_path(args)
    last: dict[str, Any] | None = None
    if path.is_file() and path.stat().st_size > 0:
        with Store.open(path, read_only=True, create=False) as store:
            last = last_sync(store)
    else:
        progress(f"workbench team status: no cache at {path} (no sync yet)")
    if args.format == "json":
        print_json({"team_store": dataclasses.asdict(reach), "last_sync": last})
        return 0
    print(f"Team store: {describe(reach)}")
    if last is None:
        print("Last sync: never")
    else:
        print(f"Last sync: {last['started']:%Y-%m-%d %H:%M} {last['status']}: {last['message']}")
    return 0
