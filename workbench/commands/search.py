"""``workbench search candidates|companies|postings``: filter the cache from a script."""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from workbench.core.config import load_settings
from workbench.core.errors import FilterError, WorkbenchError
from workbench.core.export.persons import ExportMeta, check_allowed, collect_ids, record
from workbench.core.export.tabular import CSV_DIALECTS, write_csv
from workbench.core.filters import Filter
from workbench.core.places import lookup_address, parse_readout
from workbench.core.query import count, iter_rows, jsonable
from workbench.core.shortage import CATEGORIES as SHORTAGE_CATEGORIES
from workbench.core.store import Store
from workbench.core.store.scope import ScopeError
from workbench.core.vocabulary import Vocabulary, load_vocabulary

from .common import UsageError, add_cache_options, cache_path, deep_jsonable, progress
from .options import (
    MAX_COUNT,
    MAX_DAYS,
    MAX_EMPLOYEES,
    MAX_RADIUS_KM,
    bounded_range,
    decimal_number,
    iso_date,
    shown,
    whole_number,
)
from .user_context import open_as_user


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("search", help="search candidates, companies or job postings")
    p.add_argument("entity", choices=["candidates", "companies", "postings"])
    add_cache_options(p)
    add_filter_options(p)
    p.add_argument(
        "--limit",
        type=whole_number("--limit", 0, MAX_COUNT),
        default=0,
        help="write at most N rows (default and 0: all; a cut output says so on stderr)",
    )
    p.add_argument("--offset", type=whole_number("--offset", 0, MAX_COUNT), default=0)
    p.add_argument(
        "--purpose",
        help="candidates: why you export them (in the audit log and the JSON's export object)",
    )
    p.add_argument("--format", choices=["json", "csv", "text"], default="json")
    p.add_argument(
        "--csv-dialect",
        choices=CSV_DIALECTS,
        default="excel-da",
        help="excel-da: ';', UTF-8 with BOM, decimal comma (Danish Excel; default); "
        "rfc4180: ',' and decimal point",
    )
    p.set_defaults(func=run)


def add_filter_options(p: argparse.ArgumentParser) -> None:
    """The filter options of ``search`` (also ``campaign create``'s company filters and
    ``export``)."""
    p.add_argument(
        "--occupation",
        action="append",
        default=[],
        metavar="CODE|NAME",
        help="DISCO code (matches itself and its children) or a title/alias (repeatable)",
    )
    p.add_argument("--qualification", action="append", default=[], metavar="CODE|NAME")
    p.add_argument(
        "--match", choices=["all", "any"], default="all", help="qualifications: all or any"
    )
    p.add_argument(
        "--driving-licence",
        action="append",
        default=[],
        metavar="CAT",
        help="driving licence category, e.g. B, C, CE, D (repeatable)",
    )
    p.add_argument(
        "--driving-licence-match",
        choices=["all", "any"],
        default="all",
        help="driving licences: all or any",
    )
    p.add_argument(
        "--unemployed-days", metavar="MIN:MAX", help="days since unemployed_since, inclusive"
    )
    p.add_argument("--municipality", action="append", default=[], metavar="KODE|NAME")
    p.add_argument(
        "--near",
        metavar="X,Y",
        help="point in EPSG:25832: X,Y, the map's readout 'E 560.917 N 6.315.816', or an "
        "address in the cache ('Vesterbrogade 12, 1620')",
    )
    p.add_argument("--radius-km", type=decimal_number("--radius-km", MAX_RADIUS_KM), metavar="R")
    p.add_argument(
        "--collaboration", action="append", default=[], metavar="none|any|active|former|KIND"
    )
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
        "--collaboration-since",
        type=iso_date("--collaboration-since"),
        metavar="YYYY-MM-DD",
        help="only collaborations running on or after this day count (time window)",
    )
    p.add_argument(
        "--industry",
        action="append",
        default=[],
        metavar="CODE|NAME",
        help="DB07 prefix, DB25:PREFIX, or a title",
    )
    p.add_argument("--employees", metavar="MIN:MAX")
    p.add_argument("--cvr", metavar="CVR")
    p.add_argument(
        "--posted-within",
        type=whole_number("--posted-within", 0, MAX_DAYS),
        metavar="DAYS",
        help="postings posted within N days",
    )
    p.add_argument(
        "--has-postings-within",
        type=whole_number("--has-postings-within", 0, MAX_DAYS),
        metavar="DAYS",
        help="companies with a job posting posted within N days (730: the last two years)",
    )
    p.add_argument(
        "--new-within-months",
        type=whole_number("--new-within-months", 0, MAX_DAYS // 30),
        metavar="N",
        help="companies new in the municipality: started or moved in within N months",
    )
    p.add_argument(
        "--postings-without-collaboration",
        action="store_true",
        help="companies that posted jobs in the last two years but have no collaboration "
        "(in --collaboration-scope)",
    )
    p.add_argument(
        "--searchable-only", action="store_true", help="only candidates with a searchable CV"
    )
    p.add_argument(
        "--shortage",
        action="append",
        default=[],
        choices=SHORTAGE_CATEGORIES,
        help="an occupation (candidates), a posting's occupation (companies) in this category "
        "of STAR's Arbejdsmarkedsbalancen in the municipality (repeatable, OR-ed)",
    )
    p.add_argument(
        "--today",
        type=iso_date("--today"),
        metavar="YYYY-MM-DD",
        help="reference date for durations (default: a demo cache's own date, else today; "
        "the window uses the same)",
    )
    p.add_argument(
        "--area",
        metavar="NAME",
        help="a saved selection or an imported area (see 'workbench areas list')",
    )


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
    today = args.today  # a date, checked by its argparse type
    since = args.collaboration_since  # a date, checked by its argparse type
    if since is not None and not args.collaboration:
        raise UsageError("--collaboration-since needs --collaboration none|any|active|former")
    flt = Filter(
        occupations=tuple(args.occupation),
        qualifications=tuple(args.qualification),
        qualification_match=args.match,
        driving_licences=tuple(args.driving_licence),
        driving_licence_match=args.driving_licence_match,
        unemployed_days=bounded_range(args.unemployed_days, "--unemployed-days", MAX_DAYS)
        if args.unemployed_days
        else None,
        municipalities=tuple(args.municipality),
        near=near,
        radius_km=args.radius_km,
        collaboration=tuple(c.lower() for c in args.collaboration),
        collaboration_scope=args.collaboration_scope,
        jobcenter=args.jobcenter or default_jobcenter,
        collaboration_since=since,
        industries=tuple(i.replace(".", "") for i in args.industry),
        employees=bounded_range(args.employees, "--employees", MAX_EMPLOYEES)
        if args.employees
        else None,
        cvr=args.cvr,
        posted_within_days=args.posted_within,
        company_posted_within_days=args.has_postings_within,
        new_within_months=args.new_within_months,
        postings_without_collaboration=args.postings_without_collaboration,
        searchable_only=args.searchable_only,
        shortage=tuple(args.shortage),
        today=today,
    )
    try:
        return flt.normalised()
    except FilterError as exc:
        raise UsageError(str(exc)) from None


def with_area(flt: Filter, con: Any, name: str | None) -> Filter:
    """``flt`` restricted to the saved selection or imported area ``name``."""
    if not name:
        return flt
    from workbench.core.selections import load_selection

    try:
        saved = load_selection(con, name)
    except WorkbenchError:
        saved = None
    if saved is None:
        raise UsageError(
            f"--area: no saved selection or area named {name!r} (workbench areas list)"
        )
    return flt.with_selection(saved.selection)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    path = cache_path(args)
    if not path.exists():
        raise UsageError(
            f"cache {path} does not exist (build it with 'workbench demo' or 'workbench refresh')"
        )
    # Candidates are people: read as the configured user (their scope); the export is
    # audited afterwards through a writable handle (not for a demo cache: no real people).
    persons = args.entity == "candidates"
    store = open_as_user(path, settings, read_only=True)
    try:
        con = store.con
        resolve_names(args, con)
        if args.today is None:  # the window's reference date: the same totals
            args.today = store.reference_date()
        flt = filter_from_args(args, str(settings.get("user.jobcenter") or "") or None)
        flt = flt.with_(scope=store.scope)
        flt = with_area(flt, store.con, args.area)
        if persons:
            try:
                check_allowed(store.scope)
            except ScopeError as exc:
                raise UsageError(str(exc)) from None
        total = count(con, args.entity, flt)  # also checks the filter against the entity
        demo = store.is_demo()
        if demo:  # synthetic data must never be mistaken for real citizens or companies
            progress("workbench search: DEMODATA - the cache holds synthetic demo data")
        limit = args.limit or None  # 0 (the default) means all rows
        columns, rows = iter_rows(con, args.entity, flt, limit=limit, offset=args.offset)
        meta, ids = None, []
        if persons:
            user = store.user
            meta = ExportMeta(
                user.user if user else None,
                user.jobcenter if user else None,
                (args.purpose or "").strip() or None,
            )
            jobcenter = columns.index("jobcenter") if "jobcenter" in columns else None
            rows = collect_ids(rows, columns.index("candidate_id"), ids, jobcenter)
        written = _write(args, columns, rows, total, demo, meta)
    finally:
        store.close()
    if meta is not None and ids and not demo:
        with Store.open(path, create=False) as writable:
            record(writable.con, meta, ids)
    if args.format != "json" and args.offset + written < total:
        progress(
            f"workbench search: wrote {written:,} of {total:,} {args.entity} "
            f"(--limit {args.limit}, --offset {args.offset}); --limit 0 writes all"
        )
    return 0


# -- names for codes, points for addresses (#10) -------------------------------------------

_CODE_LIKE = re.compile(r"(?:[Dd][Bb]\d\d:)?[A-Za-z]?\d[\d.]*")  # DB25:62 is a code too
_NAMED_OPTIONS = (  # args attribute, option, vocabulary kind
    ("occupation", "--occupation", "occupations"),
    ("qualification", "--qualification", "qualifications"),
    ("industry", "--industry", "industries"),
    ("municipality", "--municipality", "municipalities"),
)


def resolve_names(args: argparse.Namespace, con: Any) -> None:
    """Replace names in the code options by their codes (the window's type-ahead rule) and a
    readout or an address in ``--near`` by ``X,Y``. Codes pass unchanged: the filter checks
    them, and a code prefix such as DB07 ``41`` need not be in the cache's lists."""
    for attr, option, kind in _NAMED_OPTIONS:
        values = getattr(args, attr)
        if values:
            vocabulary = load_vocabulary(con, kind)
            codes = [_code(vocabulary, v, option) for v in values]
            for code in codes:
                _check_known(vocabulary, code, option, prefix=kind != "qualifications")
            setattr(args, attr, codes)
    if args.near:
        point = _xy(args.near) or parse_readout(args.near)
        point = point or lookup_address(con, args.near, "--near")
        if not all(math.isfinite(v) for v in point):
            raise UsageError(f"--near must be X,Y with finite numbers, got {args.near!r}")
        inside = DENMARK[0] <= point[0] <= DENMARK[2] and DENMARK[1] <= point[1] <= DENMARK[3]
        if args.radius_km is not None and not inside:  # (no radius: that error comes first)
            raise UsageError(
                f"--near {shown(args.near)} lies outside Denmark (EPSG:25832 metres, e.g. "
                "'E 560.917 N 6.315.816')"
            )
        args.near = f"{point[0]!r},{point[1]!r}"


# Denmark with a margin in EPSG:25832 (Bornholm and Skagen included): a point outside it is
# a typo or a point in another system, and a search there finds nothing.
DENMARK = (380_000.0, 6_000_000.0, 920_000.0, 6_430_000.0)


def _check_known(vocabulary: Vocabulary, code: str, option: str, *, prefix: bool) -> None:
    """An unknown code is refused (one line, exit 2) instead of finding nothing; occupations
    and industries match a code and the codes below it, so a known code's prefix counts."""
    if not vocabulary.titles or ":" in code:
        return  # no list to check against (never refreshed), or a DB25: code mapped by a key
    wanted = code.strip().replace(".", "")
    if option == "--municipality" and wanted.isdigit():
        wanted = wanted.zfill(4)
    known = vocabulary.titles
    if wanted in known or (prefix and any(c.startswith(wanted) for c in known)):
        return
    raise UsageError(f"{option}: no {vocabulary.what} has the code {shown(code)}")


def _xy(text: str) -> tuple[float, float] | None:
    x_text, sep, y_text = text.partition(",")
    try:
        return (float(x_text), float(y_text)) if sep else None
    except ValueError:
        return None


def _code(vocabulary: Vocabulary, text: str, option: str) -> str:
    if _CODE_LIKE.fullmatch(text.strip()):
        return text.strip()
    if not vocabulary.titles:
        raise UsageError(
            f"{option}: {text.strip()!r} is not a code, and the cache has no list of "
            f"{vocabulary.what} names (refresh the taxonomies)"
        )
    return vocabulary.resolve(text, option)


# -- output: every row unless --limit, streamed, cuts announced (#10, #12) ------------------


def _write(
    args: argparse.Namespace,
    columns: list[str],
    rows: Iterator[tuple[Any, ...]],
    total: int,
    demo: bool,
    meta: ExportMeta | None = None,
) -> int:
    """Write ``rows`` to stdout in ``args.format``; returns how many were written."""
    if args.format == "json":
        return _write_json(columns, rows, total, args.offset, demo, meta)
    if args.format == "csv":
        if demo:  # every row carries the marker: a copied row still says it is not real
            columns = [*columns, "dataset"]
            rows = ((*row, "demo") for row in rows)
        sys.stdout.flush()
        stream = getattr(sys.stdout, "buffer", sys.stdout)  # bytes: UTF-8 whatever the locale
        written = write_csv(stream, columns, rows, dialect=args.csv_dialect)
        stream.flush()
        return written
    print(f"{total} {args.entity}" + (" (DEMODATA)" if demo else ""))
    written = 0
    for row in rows:
        print("  ".join(str(_csv_value(v)) for v in row))
        written += 1
    return written


def _write_json(
    columns: list[str],
    rows: Iterable[tuple[Any, ...]],
    total: int,
    offset: int,
    demo: bool,
    meta: ExportMeta | None = None,
) -> int:
    """``{"total", "items", "truncated"[, "export"][, "dataset"]}`` written item by item
    (``export``: user, jobcenter, purpose and date of a candidate export)."""
    out = sys.stdout
    out.write(f'{{"total": {total}, "items": [')
    written = 0
    for row in rows:
        item = {c: deep_jsonable(v) for c, v in zip(columns, row, strict=True)}
        out.write((", " if written else "") + json.dumps(item, ensure_ascii=False))
        written += 1
    out.write(f'], "truncated": {json.dumps(offset + written < total)}')
    if meta is not None:
        out.write(f', "export": {json.dumps(meta.as_dict(), ensure_ascii=False)}')
    out.write(', "dataset": "demo"}\n' if demo else "}\n")
    return written


def _csv_value(value: object) -> object:
    value = jsonable(value)
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    return "" if value is None else value
