"""``workbench plugins``: list the source plugins, their status and last refresh.

Status: ``ok`` (runs with a plain ``workbench refresh``), ``not_configured`` (a required
setting such as an API key is empty), ``disabled`` (``enabled = false``) or ``broken``
(its manifest or code cannot be loaded; the reason is given).
"""

from __future__ import annotations

import argparse
from typing import Any

from workbench.core.store import Store

from .common import add_cache_options, add_format_option, cache_path, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("plugins", help="list source plugins, status and last refresh")
    add_cache_options(p)
    add_format_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.core.config import load_settings
    from workbench.core.plugins.host import discover, last_runs, plugin_status

    settings = load_settings(args.config)
    infos = discover()
    path = cache_path(args)
    runs: dict[str, dict[str, Any]] = {}
    if path.exists():  # listing never creates a cache
        con = Store.open(path).con
        try:
            runs = last_runs(con)
        finally:
            con.close()
    rows = []
    for info in infos:
        m = info.manifest
        rows.append(
            {
                "id": info.id,
                "name": m.name if m else None,
                "status": plugin_status(info, settings),
                "error": info.error,
                "source": m.source if m else None,
                "licence": m.licence if m else None,
                "attribution": m.attribution if m else None,
                "tables": list(m.tables) if m else [],
                "config_keys": sorted(m.config) if m else [],
                "refresh_interval_hours": m.refresh_interval_hours if m else None,
                "distribution": info.distribution,
                "last_refresh": runs.get(info.id),
            }
        )
    if args.format == "json":
        print_json({"cache": str(path), "plugins": rows})
        return 0
    for r in rows:
        last = r["last_refresh"]
        when = (
            f"{last['status']} {last['finished'] or last['started']}"
            if last
            else "aldrig opdateret"
        )
        detail = f" – {r['error']}" if r["error"] else ""
        print(f"{r['id']:<12} {r['status']:<15} {when}{detail}")
    return 0
