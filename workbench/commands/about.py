"""``workbench about`` (version, data sources with licence, attribution and last refresh)
and ``workbench diagnose`` (a support report without personal data or secrets)."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from .common import add_cache_options, add_format_option, cache_path, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("about", help="version and data sources (licence, last refresh)")
    add_cache_options(p)
    add_format_option(p)
    p.set_defaults(func=run_about)
    d = subparsers.add_parser("diagnose", help="a support report (no personal data, no secrets)")
    add_cache_options(d)
    d.set_defaults(func=run_diagnose)


@contextmanager
def _reference_connection(path: Path) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """The cache read-only when there is one; None when not (about still answers)."""
    from workbench.core.errors import WorkbenchError
    from workbench.core.store import Store

    if not (path.is_file() and path.stat().st_size > 0):
        yield None
        return
    try:
        store = Store.open(path, read_only=True, create=False)
    except WorkbenchError:
        yield None
        return
    try:
        yield store.con
    finally:
        store.close()


def run_about(args: argparse.Namespace) -> int:
    from workbench import __version__
    from workbench.core.config import load_settings
    from workbench.core.diagnostics import sources
    from workbench.core.teamstore import check, describe

    settings = load_settings(args.config)
    with _reference_connection(cache_path(args)) as con:
        found = sources(settings, con)
    team = check(settings)  # host, database, reachable and why not: never the password
    if args.format == "json":
        print_json(
            {
                "version": __version__,
                "sources": [dataclasses.asdict(s) for s in found],
                "team_store": dataclasses.asdict(team),
            }
        )
        return 0
    print(f"Jobkort workbench {__version__}")
    print(f"Teamlager: {describe(team)}")
    for s in found:
        print(f"\n{s.name} ({s.plugin})")
        print(f"  Kilde: {s.source}")
        print(f"  Licens: {s.licence}")
        print(f"  {s.attribution}")
        print(f"  Senest opdateret: {s.last_refresh or 'aldrig'}")
    return 0


def run_diagnose(args: argparse.Namespace) -> int:
    from workbench.core.config import load_settings
    from workbench.core.diagnostics import diagnose

    settings = load_settings(args.config)
    path = cache_path(args)
    with _reference_connection(path) as con:
        print(diagnose(settings, con, path), end="")
    return 0
