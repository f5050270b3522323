"""``workbench gui`` (also ``workbench`` without arguments): start the window."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from workbench.core.errors import WorkbenchError

from .common import add_cache_options, cache_path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("gui", help="start the workbench window (default)")
    add_cache_options(p)
    p.add_argument("--lang", choices=("da", "en"), default=None, help="UI language (default: da)")
    p.add_argument(
        "workspace", nargs="?", type=Path, default=None, help="a .jobkort workspace file to open"
    )
    p.set_defaults(func=run)


def no_display_reason(
    environ: dict[str, str] | None = None, platform: str | None = None
) -> str | None:
    """Why a window cannot open here (Linux without a display), else None.

    Without this check Qt aborts the process with its own multi-line xcb message."""
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display to show the window on (DISPLAY is not set); start it on a desktop, "
        "or use the subcommands (workbench --help)"
    )


def run(args: argparse.Namespace) -> int:
    from workbench.core.config import load_settings
    from workbench.qt.app import run_gui  # Qt only when the window is asked for

    settings = load_settings(args.config)
    reason = no_display_reason()
    if reason:
        raise WorkbenchError(reason)
    return run_gui(
        cache_path(args), settings=settings, lang=args.lang, workspace_file=args.workspace
    )
