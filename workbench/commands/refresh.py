"""``workbench refresh [PLUGIN ...]``: run source plugins and swap their data into the cache.

Progress goes to stderr; the result per plugin to stdout (text or ``--format json``).
Exit codes: 0 all succeeded, 1 a plugin failed (one line per failed plugin on stderr:
``workbench refresh: <plugin>: <reason>``), 2 bad usage (an unknown plugin id).
"""

from __future__ import annotations

import argparse
import sys
import threading

from .common import (
    add_cache_options,
    add_format_option,
    cache_path,
    check_plugin_ids,
    print_json,
    progress,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("refresh", help="refresh the cache from the source plugins")
    p.add_argument(
        "plugins", nargs="*", metavar="PLUGIN", help="plugin ids (default: all configured)"
    )
    add_cache_options(p)
    add_format_option(p)
    p.set_defaults(func=run)


class _Reporter:
    """Progress lines on stderr, at most one per plugin per 10 % step or new message."""

    def __init__(self) -> None:
        self.last: dict[str, tuple[int, str]] = {}

    def __call__(self, plugin: str, fraction: float | None, message: str) -> None:
        step = -1 if fraction is None else int(fraction * 10)
        if self.last.get(plugin, (None, None))[0] == step and fraction is not None:
            return
        self.last[plugin] = (step, message)
        pct = "" if fraction is None else f"{fraction:4.0%} "
        progress(f"{plugin}: {pct}{message}".rstrip())


def run(args: argparse.Namespace) -> int:
    from workbench.core.config import load_settings
    from workbench.core.plugins.host import PluginHost, discover

    settings = load_settings(args.config)
    infos = discover()
    check_plugin_ids(args.plugins, infos)
    cancel = threading.Event()
    with PluginHost(cache_path(args), settings, plugins=infos) as host:
        ids = list(dict.fromkeys(args.plugins)) or host.configured_ids()
        if not ids:
            progress("workbench refresh: no plugin is configured (see workbench plugins)")
        try:
            results = host.refresh(ids, on_progress=_Reporter(), cancel=cancel)
        except KeyboardInterrupt:
            cancel.set()
            raise
        unwritten = host.checkpoint()  # a full disk: one line, the runs stay in the WAL
    if args.format == "json":
        print_json({"cache": str(cache_path(args)), "results": [r.to_dict() for r in results]})
    else:
        for r in results:
            seconds = (r.finished - r.started).total_seconds() if r.finished and r.started else 0.0
            print(f"{r.plugin}: {r.status} ({r.message}) {seconds:.1f} s")
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(f"workbench refresh: {r.plugin}: {r.status}: {r.message}", file=sys.stderr)
    if unwritten:
        print(f"workbench refresh: {unwritten}", file=sys.stderr)
    return 1 if failed or unwritten else 0
