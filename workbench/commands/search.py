"""``workbench search candidates|companies|postings``: filter the cache from a script."""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import date

from workbench.core import cache
from workbench.core.config import load_settings
from workbench.core.errors import FilterError
from workbench.core.filters import Filter, Range
from workbench.core.query import jsonable, search
from workbench.core.schema import ENTITY_COLUMNS

from .common import UsageError, add_cache_options, cache_path, print_json, progress


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("search", help="search candidates, companies or job postings")
    p.add_argument("entity", choices=["candidates", "companies", "postings"])
    add_cache_options(p)
    p.add_argument(
        "--occupation",
        action="append",
        default=[],
        metavar="CODE",
        help="DISCO code; matches itself and its children (repeatable)",
    )
    p.add_argument("--qualification", action="append", default=[], metavar="CODE")
    p.add_argument(
        "--match", choices=["all", "any"], default="all", help="qualifications: all or any"
    )
    p.add_argument(
        "--unemployed-days", metavar="MIN:MAX", help="days since unemployed_since, inclusive"
    )
    p.add_argument("--municipality", action="append", default=[], metavar="KODE")
    p.add_argument("--near", metavar="X,Y", help="point in EPSG:25832")
    p.add_argument("--radius-km", type=float, metavar="R")
    p.add_argument("--collaboration", action="append", default=[], metavar="none|any|KIND")
    p.add_argument(
        "--collaboration-scope",
        choices=["all", "own", "other"],
        default="all",
        help="count collaborations of your own jobcenter, other jobcenters or all",
    )
    p.add_argument(
        "--jobcenter", metavar="KODE", help="your own jobcenter (for --collaboration-scope)"
    )
    p.add_argument(
        "--industry",
        action="append",
        default=[],
        metavar="CODE",
        help="DB07 prefix, or DB25:PREFIX",
    )
    p.add_argument("--employees", metavar="MIN:MAX")
    p.add_argument("--cvr", metavar="CVR")
    p.add_argument(
        "--posted-within", type=int, metavar="DAYS", help="postings posted within N days"
    )
    p.add_argument(
        "--searchable-only", action="store_true", help="only candidates with a searchable CV"
    )
    p.add_argument(
        "--today", metavar="YYYY-MM-DD", help="reference date for durations (default: today)"
    )
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--format", choices=["json", "csv", "text"], default="json")
    p.set_defaults(func=run)


def filter_from_args(args: argparse.Namespace, default_jobcenter: str | None = None) -> Filter:
    near = None
    if args.near:
        try:
            x_text, y_text = args.near.split(",")
            near = (float(x_text), float(y_text))
        except ValueError:
            raise UsageError(
                f"--near must be X,Y in EPSG:25832 metres, got {args.near!r}"
            ) from None
    today = None
    if args.today:
        try:
            today = date.fromisoformat(args.today)
        except ValueError:
            raise UsageError(f"--today must be YYYY-MM-DD, got {args.today!r}") from None
    flt = Filter(
        occupations=tuple(args.occupation),
        qualifications=tuple(args.qualification),
        qualification_match=args.match,
        unemployed_days=Range.parse(args.unemployed_days, "--unemployed-days")
        if args.unemployed_days
        else None,
        municipalities=tuple(args.municipality),
        near=near,
        radius_km=args.radius_km,
        collaboration=tuple(c.lower() for c in args.collaboration),
        collaboration_scope=args.collaboration_scope,
        jobcenter=args.jobcenter or default_jobcenter,
        industries=tuple(i.replace(".", "") for i in args.industry),
        employees=Range.parse(args.employees, "--employees") if args.employees else None,
        cvr=args.cvr,
        posted_within_days=args.posted_within,
        searchable_only=args.searchable_only,
        today=today,
    )
    try:
        return flt.normalised()
    except FilterError as exc:
        raise UsageError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    if args.limit < 0 or args.offset < 0:
        raise UsageError("--limit and --offset cannot be negative")
    settings = load_settings(args.config)
    flt = filter_from_args(args, str(settings.get("ui.jobcenter") or "") or None)
    path = cache_path(args)
    if not path.exists():
        raise UsageError(
            f"cache {path} does not exist (build it with 'workbench demo' or 'workbench refresh')"
        )
    con = cache.connect(path, read_only=True)
    try:
        result = search(con, args.entity, flt, limit=args.limit, offset=args.offset)
        demo = cache.is_demo(con)
    finally:
        con.close()
    if demo:  # synthetic data must never be mistaken for real citizens or companies
        progress("workbench search: DEMODATA - the cache holds synthetic demo data")
    if args.format == "json":
        data = {"total": result.total, "items": result.items}
        if demo:
            data["dataset"] = "demo"
        print_json(data)
    elif args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        columns = ENTITY_COLUMNS[args.entity]
        writer.writerow(columns)
        for item in result.items:
            writer.writerow(_csv_value(item[c]) for c in columns)
    else:
        print(f"{result.total} {args.entity}")
        for item in result.items:
            print("  ".join(str(_csv_value(v)) for v in item.values()))
    return 0


def _csv_value(value: object) -> object:
    value = jsonable(value)
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    return "" if value is None else value
