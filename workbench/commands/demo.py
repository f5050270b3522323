"""``workbench demo``: build the deterministic synthetic demo dataset into the cache."""

from __future__ import annotations

import argparse
from pathlib import Path

from workbench.core import cache
from workbench.core.config import load_settings
from workbench.core.demo import SCALES, build_demo
from workbench.core.store import Store

from .common import (
    UsageError,
    add_cache_options,
    add_format_option,
    cache_path,
    print_json,
    progress,
)
from .options import MAX_SEED, iso_date, whole_number


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("demo", help="build synthetic demo data (marked as demo)")
    add_cache_options(p)
    p.add_argument("--scale", choices=list(SCALES), default="small")
    p.add_argument("--seed", type=whole_number("--seed", 0, MAX_SEED), default=1)
    p.add_argument("--boundaries", type=Path, default=None, help="GeoJSON with municipality areas")
    p.add_argument(
        "--today",
        type=iso_date("--today"),
        default=None,
        help="reference date YYYY-MM-DD (default: today)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace real (imported or refreshed) data with the demo",
    )
    add_format_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    today = args.today  # a date, checked by its argparse type
    if args.boundaries is not None and not args.boundaries.is_file():
        raise UsageError(f"--boundaries file {args.boundaries} does not exist")
    load_settings(args.config)  # a broken --config is reported even though the demo needs none
    path = cache_path(args)
    con = Store.open(path).con
    try:
        summary = build_demo(
            con,
            scale=args.scale,
            seed=args.seed,
            boundaries=args.boundaries,
            today=today,
            progress=lambda stage, f: progress(f"demo: {stage} ({f:.0%})"),
            force=args.force,
        )
        cache.checkpoint(con)
    finally:
        con.close()
    for message in summary.messages:
        progress(f"demo: {message}")
    result = {
        "cache": str(path),
        "scale": summary.scale,
        "seed": summary.seed,
        "today": summary.today,
        "geography": summary.geography,
        "counts": summary.counts,
    }
    if args.format == "json":
        print_json(result)
    else:
        counts = ", ".join(f"{v:,} {k}" for k, v in summary.counts.items())
        print(f"demo data ({summary.scale}, seed {summary.seed}) written to {path}: {counts}")
    return 0
