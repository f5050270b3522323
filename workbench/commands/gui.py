"""``workbench gui`` (also ``workbench`` without arguments): start the window."""

from __future__ import annotations

import argparse

from .common import add_cache_options, cache_path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("gui", help="start the workbench window (default)")
    add_cache_options(p)
    p.add_argument("--lang", choices=("da", "en"), default=None, help="UI language (default: da)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.core.config import load_settings
    from workbench.qt.app import run_gui  # Qt only when the window is asked for

    settings = load_settings(args.config)
    return run_gui(cache_path(args), settings=settings, lang=args.lang)
