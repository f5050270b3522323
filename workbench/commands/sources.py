"""``workbench sources check``: is each configured source reachable, are its credentials
accepted, is its answer in a format the plugin recognises, and which setting to fix.

IT runs it after an install. Output: text (one line per source channel) or ``--format
json``: ``{"sources": [{"plugin", "ok", "reachable", "auth_ok", "format_ok", "message",
"setting"}]}``. Exit 0 when the check ran, whatever it found; 2 for bad usage (an unknown
plugin id). No cache is opened; nothing is written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import UsageError, add_format_option, check_plugin_ids, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("sources", help="check the national sources (for IT)")
    actions = p.add_subparsers(dest="action", required=True, parser_class=type(p))
    c = actions.add_parser("check", help="reachable, credentials, format, setting to fix")
    c.add_argument(
        "plugins", nargs="*", metavar="PLUGIN", help="plugin ids (default: all configured)"
    )
    c.add_argument("--config", type=Path, default=None, help="extra TOML configuration file")
    c.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default 10)")
    add_format_option(c)
    c.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.core.config import load_settings
    from workbench.core.plugins.check import check_sources
    from workbench.core.plugins.host import discover

    if args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    settings = load_settings(args.config)
    infos = discover()
    check_plugin_ids(args.plugins, infos)
    results = check_sources(
        settings, infos, list(dict.fromkeys(args.plugins)) or None, timeout=args.timeout
    )
    rows = [r.to_dict() for r in results]
    if args.format == "json":
        print_json({"sources": rows})
        return 0
    for r in rows:
        mark = "OK " if r["ok"] else "FEJL"
        fix = f" -> ret {r['setting']}" if r["setting"] else ""
        print(f"{mark} {r['plugin']:<12} {r['message']}{fix}")
    if not rows:
        print("ingen kilder er konfigureret")
    return 0
