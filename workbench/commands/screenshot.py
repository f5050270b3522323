"""``workbench screenshot OUT.png``: render the main window offscreen to a PNG."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import add_cache_options, cache_path
from .options import whole_number

# A window smaller than this cannot lay out its docks; a larger one is a multi-GB image.
SCREENSHOT_PIXELS = (200, 10_000)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("screenshot", help="render the main window offscreen to a PNG")
    p.add_argument("out", type=Path, help="PNG file to write")
    add_cache_options(p)
    p.add_argument("--width", type=whole_number("--width", *SCREENSHOT_PIXELS), default=1600)
    p.add_argument("--height", type=whole_number("--height", *SCREENSHOT_PIXELS), default=1000)
    p.add_argument("--lang", choices=("da", "en"), default=None)
    p.add_argument(
        "--job-order",
        metavar="ID|FILE.json",
        default=None,
        help="open this saved job order (or job order JSON file) and show its match",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.core.config import load_settings
    from workbench.qt.screenshot import render_screenshot

    settings = load_settings(args.config)
    problem = render_screenshot(
        args.out,
        cache_path(args),
        width=args.width,
        height=args.height,
        settings=settings,
        lang=args.lang,
        job_order=args.job_order,
    )
    if problem:  # the PNG is written, without basemap: say why, once
        print(f"workbench screenshot: {problem}", file=sys.stderr)
    print(args.out)
    return 0
