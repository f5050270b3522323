"""``workbench rejects list|show RUN``: the rejected rows of imports, kept encrypted beside
the cache (issue #15).

``rejects list`` -> the import runs with rejected rows (``run_id``, ``table``, ``file``,
``created_at``, ``origin``, ``rows``). ``rejects show RUN`` -> the run's rejected rows
(``row``, ``column``, ``value``, ``reason``, ``values``) as text, JSON or CSV on stdout;
``--out FILE.csv --purpose TEXT`` writes them to a file (neutralised, audited). Exit 2 for
an unknown run or a missing purpose.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .common import UsageError, add_cache_options, add_format_option, cache_path, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "rejects", help="list and show the rejected rows of imports (kept encrypted)"
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="list|show")
    ls = actions.add_parser("list", help="the import runs with rejected rows, newest first")
    show = actions.add_parser("show", help="the rejected rows of one import run")
    show.add_argument("run", metavar="RUN", help="the import's run id (see 'rejects list')")
    show.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the rows to FILE (.csv or .xlsx): a plain copy of personal data, "
        "written to the audit log with --purpose",
    )
    show.add_argument("--purpose", help="why you export the rows (required with --out)")
    add_cache_options(ls)
    add_format_option(ls)
    add_cache_options(show)
    add_format_option(show, ("text", "json", "csv"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.core.config import load_settings
    from workbench.core.imports import rejects_store
    from workbench.core.store.scope import ScopeError

    from .user_context import open_as_user

    out = getattr(args, "out", None)
    purpose = (getattr(args, "purpose", None) or "").strip()
    if out is not None and not purpose:
        raise UsageError(
            "a purpose is required with --out (--purpose TEXT): a file of rejected rows is "
            "written to the audit log with its purpose"
        )
    settings = load_settings(args.config)
    store = open_as_user(cache_path(args), settings, read_only=out is None)
    try:
        try:
            store.scope.require_rows("rejected rows")
        except ScopeError as exc:
            raise UsageError(str(exc)) from None
        rejects_store.adopt_legacy_files(store.con)
        where = rejects_store.location(store.con)
        if args.action == "list":
            runs = rejects_store.list_runs(where)
            if args.format == "json":
                print_json(runs)
            else:
                for r in runs:
                    print(
                        f"{r['run_id']}  {r['created_at']:%Y-%m-%d %H:%M}  {r['table']}  "
                        f"{r['rows']} rows  {r['file'] or ''}"
                    )
            return 0
        if out is not None:
            return _export(store, args.run, out, purpose)
        found = rejects_store.read_run(where, args.run)
        if found is None:
            raise UsageError(f"no rejected rows of an import run {args.run!r} (see 'rejects list')")
    finally:
        store.close()
    _print(args.format, *found)
    return 0


def _export(store: Any, run_id: str, out: Path, purpose: str) -> int:
    from workbench.core.export.persons import ExportMeta
    from workbench.core.imports.rejects_store import RejectsError

    user = store.user
    meta = ExportMeta(
        user.user if user else None,
        user.jobcenter if user else None,
        purpose,
        audited=not store.is_demo(),
    )
    try:
        written = _write(store.con, run_id, out, meta)
    except RejectsError as exc:
        raise UsageError(f"{exc} (see 'rejects list')") from None
    print(f"{written} rejected rows written to {out}", file=sys.stderr)
    return 0


def _write(con: Any, run_id: str, out: Path, meta: Any) -> int:
    from workbench.core.imports.rejects_store import export_file

    try:
        return export_file(con, run_id, out, meta)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}") from None


def _print(fmt: str, info: dict[str, Any], records: list[dict[str, Any]]) -> None:
    from workbench.core.export.tabular import write_csv
    from workbench.core.imports.rejects_store import columns, table_rows

    if fmt == "json":
        keys = ("row", "column", "value", "reason", "values")
        print_json(
            {
                "run_id": info["run_id"],
                "table": info["table"],
                "file": info["file"],
                "rows": [{k: r[k] for k in keys} for r in records],
            }
        )
    elif fmt == "csv":
        write_csv(sys.stdout, columns(info["headers"]), table_rows(info["headers"], records))
    else:
        for r in records:
            print(f"row {r['row']}, {r['column']}: {r['reason']} ({r['value'] or ''})")
