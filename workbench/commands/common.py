"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from workbench.core import paths
from workbench.core.query import jsonable


class UsageError(Exception):
    """Bad command-line input: exit code 2 with a one-line reason."""


def add_cache_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help=f"DuckDB cache file (default: {paths.default_cache_path()})",
    )
    parser.add_argument("--config", type=Path, default=None, help="extra TOML configuration file")


def add_format_option(
    parser: argparse.ArgumentParser, choices: tuple[str, ...] = ("text", "json")
) -> None:
    parser.add_argument("--format", choices=choices, default=choices[0], help="output format")


def cache_path(args: argparse.Namespace) -> Path:
    return Path(args.cache) if getattr(args, "cache", None) else paths.default_cache_path()


def print_json(data: Any) -> None:
    json.dump(deep_jsonable(data), sys.stdout, ensure_ascii=False, indent=None)
    sys.stdout.write("\n")


def deep_jsonable(value: Any) -> Any:
    """``value`` with every nested DuckDB value made JSON-friendly."""
    if isinstance(value, dict):
        return {k: deep_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [deep_jsonable(v) for v in value]
    return jsonable(value)


def check_plugin_ids(requested: list[str], infos: list[Any]) -> None:
    """Refuse plugin ids that are not installed, naming the ones that are."""
    known = {i.id for i in infos}
    unknown = [p for p in requested if p not in known]
    if unknown:
        raise UsageError(
            f"unknown plugin {', '.join(unknown)} (known: {', '.join(sorted(known)) or 'none'})"
        )


def progress(message: str) -> None:
    """Progress and diagnostics go to stderr so stdout stays machine-readable."""
    print(message, file=sys.stderr, flush=True)


def add_share_parsers(
    actions: argparse._SubParsersAction, what: str, ref: str
) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """``share REF --with KODE --purpose TEXT`` and ``unshare REF --with KODE`` for a thing
    one jobcenter can open to another (pools, job orders; audited by the core)."""
    share = actions.add_parser(
        "share", help=f"share a {what} with another jobcenter (audited, needs --purpose)"
    )
    share.add_argument(ref.lower(), metavar=ref)
    share.add_argument("--with", dest="with_jobcenter", required=True, metavar="KODE")
    share.add_argument("--purpose", required=True, help="why (written to the audit log)")
    unshare = actions.add_parser("unshare", help=f"stop sharing a {what} with a jobcenter")
    unshare.add_argument(ref.lower(), metavar=ref)
    unshare.add_argument("--with", dest="with_jobcenter", required=True, metavar="KODE")
    return share, unshare
