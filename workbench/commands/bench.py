"""``workbench bench``: the performance suite of issue #17 at national or region scale,
with QGIS and geopandas as peers on the same data (``workbench.bench.suite``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import add_format_option, print_json, progress
from .options import whole_number

MAX_REPEAT = 1000


def register(subparsers: argparse._SubParsersAction) -> None:
    from workbench.bench.suite import SCALES

    p = subparsers.add_parser(
        "bench", help="measure the window, queries and ingest beside QGIS and geopandas"
    )
    p.add_argument(
        "--scale",
        choices=SCALES,
        default="national",
        help="national: 250k candidates, 1M companies; region: the quick variant",
    )
    add_format_option(p)
    p.add_argument("--save", action="store_true", help="also write benchmarks/results/<date>.json")
    p.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="demo cache to build or reuse (default: bench-<scale>.duckdb in the data dir)",
    )
    p.add_argument(
        "--repeat",
        type=whole_number("--repeat", 1, MAX_REPEAT),
        default=10,
        help="runs of each measure (median and p95 over them)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.bench.suite import run_suite, save_result, text_report

    result = run_suite(args.scale, args.repeat, args.cache, progress=progress)
    if args.save:
        progress(f"bench: wrote {save_result(result)}")
    if args.format == "json":
        print_json(result)
    else:
        print(text_report(result))
    return 0
