"""``workbench audit [verify]``: export the audit log or check its hash chain (#15).

``workbench audit --cache PATH [--since DATE] --format json|csv`` writes the entries for the
data-protection officer; ``workbench audit verify --cache PATH`` names every changed,
deleted or inserted entry (exit 1 when the chain is broken, 0 when intact).
"""

from __future__ import annotations

import argparse
import json
import sys

from workbench.core import audit
from workbench.core.export.tabular import write_csv
from workbench.core.store import Store

from .common import add_cache_options, cache_path, deep_jsonable
from .options import iso_date


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "audit", help="export the audit log (json, csv) or verify its hash chain"
    )
    p.add_argument(
        "action",
        nargs="?",
        choices=["export", "verify"],
        default="export",
        help="export (default) or verify",
    )
    add_cache_options(p)
    p.add_argument(
        "--since", type=iso_date("--since"), metavar="YYYY-MM-DD", help="entries from this day"
    )
    p.add_argument(
        "--format",
        choices=["json", "csv", "text"],
        default=None,
        help="export: json (default) or csv; verify: text (default) or json",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    store = Store.open(cache_path(args), read_only=True, create=False)
    try:
        if args.action == "verify":
            return _verify(store, args.format or "text")
        fmt = args.format or "json"
        rows = list(audit.entries(store.con, since=args.since))
    finally:
        store.close()
    if fmt == "csv":
        stream = getattr(sys.stdout, "buffer", sys.stdout)
        sys.stdout.flush()
        write_csv(stream, list(audit.COLUMNS), rows, dialect="excel-da")
        stream.flush()
    else:
        json.dump(deep_jsonable({"entries": rows}), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    return 0


def _verify(store: Store, fmt: str) -> int:
    problems = audit.verify(store.con)
    total = len(list(audit.entries(store.con)))
    if fmt == "json":
        out = {"intact": not problems, "entries": total}
        out["problems"] = [p.to_dict() for p in problems]
        json.dump(out, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    elif problems:
        for p in problems:
            print(f"{p.kind}: {p.detail}")
    else:
        print(f"audit log intact: {total} entries")
    return 1 if problems else 0
