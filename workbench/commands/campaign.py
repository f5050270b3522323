"""``workbench campaign create|show|set-status|assign|progress|route|export|list``:
outreach campaigns from a script (issue #16)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench.core import campaigns as camp
from workbench.core.campaigns.exports import write_call_list, write_geopackage, write_ical
from workbench.core.config import load_settings
from workbench.core.errors import FilterError
from workbench.core.filters import compile_where
from workbench.core.store import Store

from .common import UsageError, add_cache_options, cache_path, print_json, progress
from .options import MAX_COUNT, MAX_RADIUS_KM, decimal_number, iso_date, whole_number
from .search import add_filter_options, filter_from_args, resolve_names

STATUS_CHOICES = tuple(camp.STATUSES)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("campaign", help="outreach campaigns to companies")
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    c = sub.add_parser("create", help="create a campaign from company filters / a selection")
    c.add_argument("--name", required=True)
    add_cache_options(c)
    add_filter_options(c)
    c.add_argument(
        "--selection",
        metavar="NAME|JSON",
        help="a saved map selection (its name) or a selection as JSON",
    )
    c.add_argument(
        "--advertising-policy",
        choices=camp.ADVERTISING_POLICIES,
        default="mark",
        help="advertising-protected companies: mark (kept, marked; default) or exclude",
    )
    c.add_argument(
        "--commute-km",
        type=decimal_number("--commute-km", MAX_RADIUS_KM),
        default=camp.DEFAULT_RADIUS_KM,
        help="commute range for the candidate supply (default 25)",
    )
    c.add_argument("--created-by", metavar="USER")
    c.add_argument("--note")
    c.add_argument("--format", choices=["json", "text"], default="text")
    c.set_defaults(func=run_create)

    s = sub.add_parser("show", help="the targets of a campaign by score")
    s.add_argument("name")
    add_cache_options(s)
    s.add_argument("--assigned-to", metavar="USER")
    s.add_argument("--limit", type=whole_number("--limit", 0, MAX_COUNT), default=0)
    s.add_argument("--format", choices=["json", "text"], default="text")
    s.set_defaults(func=run_show)

    st = sub.add_parser("set-status", help="set a target's status (the history is kept)")
    st.add_argument("name")
    add_cache_options(st)
    st.add_argument("--cvr", required=True)
    st.add_argument("--pnr")
    st.add_argument("--status", required=True, metavar="|".join(STATUS_CHOICES))
    st.add_argument("--note")
    st.add_argument("--by", metavar="USER")
    st.add_argument("--format", choices=["json", "text"], default="text")
    st.set_defaults(func=run_set_status)

    a = sub.add_parser("assign", help="assign targets to a consultant")
    a.add_argument("name")
    add_cache_options(a)
    a.add_argument("--to", required=True, metavar="USER", help="consultant ('' unassigns)")
    a.add_argument("--cvr", action="append", default=[], help="CVR[/PNR] (repeatable)")
    a.add_argument("--top", type=whole_number("--top", 1, MAX_COUNT), help="N best unassigned")
    a.add_argument("--format", choices=["json", "text"], default="text")
    a.set_defaults(func=run_assign)

    pr = sub.add_parser("progress", help="targets per status, per consultant and in total")
    pr.add_argument("name")
    add_cache_options(pr)
    pr.add_argument("--format", choices=["json", "text"], default="text")
    pr.set_defaults(func=run_progress)

    r = sub.add_parser("route", help="a consultant's day's visits in driving order")
    r.add_argument("name")
    add_cache_options(r)
    r.add_argument("--consultant", required=True, metavar="USER")
    r.add_argument("--count", type=whole_number("--count", 1, 100), default=8)
    r.add_argument("--start", metavar="X,Y", help="where the day starts (EPSG:25832)")
    r.add_argument("--ical", type=Path, metavar="FILE.ics", help="also write the visits")
    r.add_argument("--day", type=iso_date("--day"), metavar="YYYY-MM-DD")
    r.add_argument("--format", choices=["json", "text"], default="text")
    r.set_defaults(func=run_route)

    e = sub.add_parser("export", help="call list (CSV/XLSX) or targets (GeoPackage)")
    e.add_argument("name")
    add_cache_options(e)
    e.add_argument("--output", "-o", type=Path, required=True, metavar="FILE.csv|xlsx|gpkg")
    e.add_argument("--assigned-to", metavar="USER")
    e.set_defaults(func=run_export)

    ls = sub.add_parser("list", help="the campaigns in the cache")
    add_cache_options(ls)
    ls.add_argument("--format", choices=["json", "text"], default="text")
    ls.set_defaults(func=run_list)


def _open(args: argparse.Namespace, *, write: bool) -> Store:
    path = cache_path(args)
    if not path.exists():
        raise UsageError(
            f"cache {path} does not exist (build it with 'workbench demo' or 'workbench refresh')"
        )
    return Store.open(path, read_only=not write, create=False)


def _guarded(fn: Callable[[argparse.Namespace, Store], int], *, write: bool) -> Any:
    """Run ``fn`` on the open cache; campaign input errors are usage errors (exit 2)."""

    def run(args: argparse.Namespace) -> int:
        store = _open(args, write=write)
        try:
            return fn(args, store)
        except camp.CampaignError as exc:
            raise UsageError(str(exc)) from None
        finally:
            store.close()

    return run


def _create(args: argparse.Namespace, store: Store) -> int:
    settings = load_settings(args.config)
    resolve_names(args, store.con)
    if args.today is None:
        args.today = store.reference_date()
    jobcenter = str(settings.get("ui.jobcenter") or "") or None
    flt = filter_from_args(args, jobcenter)
    try:
        compile_where("companies", flt)  # candidate-only options are refused here
    except FilterError as exc:
        raise UsageError(str(exc)) from None
    created = camp.create_campaign(
        store,
        args.name,
        flt=flt,
        selection=args.selection,
        jobcenter=flt.jobcenter or jobcenter,
        created_by=args.created_by,
        note=args.note,
        advertising_policy=args.advertising_policy,
        radius_km=args.commute_km,
        today=args.today,
    )
    out = {
        "name": created.campaign.name,
        "targets": created.targets,
        "advertising_policy": created.campaign.advertising_policy,
        "advertising_protected_marked": created.marked_protected,
        "advertising_protected_excluded": created.excluded_protected,
    }
    if args.format == "json":
        print_json(out)
    else:
        print(f"campaign {out['name']!r}: {out['targets']:,} targets")
    return 0


def _show(args: argparse.Namespace, store: Store) -> int:
    rows = camp.targets(store, args.name, assigned_to=args.assigned_to, limit=args.limit or None)
    keys = ("cvr", "pnr", "name", "score", "status", "assigned_to")
    items = [
        {k: r[k] for k in keys}
        | {"advertising_protected": bool(r["advertising_protected"]), "components": r["components"]}
        for r in rows
    ]
    if args.format == "json":
        print_json({"name": args.name, "targets": items})
        return 0
    for r in rows:
        mark = " [reklamebeskyttet]" if r["advertising_protected"] else ""
        print(
            f"{r['rank']:>5}  {r['score']:5.1f}  {r['cvr']} {r['pnr'] or '':<10}  "
            f"{camp.STATUSES.get(r['status'], r['status']):<18} {r['assigned_to'] or '-':<12} "
            f"{r['name'] or ''}{mark}"
        )
    return 0


def _set_status(args: argparse.Namespace, store: Store) -> int:
    n = camp.set_status(
        store, args.name, args.cvr, args.status, pnr=args.pnr, by=args.by, note=args.note
    )
    status = camp.status_key(args.status)
    if args.format == "json":
        print_json({"name": args.name, "cvr": args.cvr, "status": status, "changed": n})
    else:
        print(f"{args.name}: CVR {args.cvr} -> {camp.STATUSES[status]} ({n} target(s))")
    return 0


def _assign(args: argparse.Namespace, store: Store) -> int:
    if not args.cvr and not args.top:
        raise UsageError("say which targets: --cvr CVR[/PNR] (repeatable) or --top N")
    pairs = []
    for text in args.cvr:
        cvr, _, pnr = text.partition("/")
        pairs.append((cvr.strip(), pnr.strip() or None))
    n = camp.assign(store, args.name, args.to or None, cvrs=pairs, top=args.top)
    if args.format == "json":
        print_json({"name": args.name, "assigned_to": args.to or None, "changed": n})
    else:
        print(f"{args.name}: {n} target(s) assigned to {args.to or '(nobody)'}")
    return 0


def _progress(args: argparse.Namespace, store: Store) -> int:
    data = camp.progress(store, args.name)
    if args.format == "json":
        print_json({"name": args.name} | data)
        return 0
    t = data["total"]
    print(f"{args.name}: {t['reached']:,} of {t['targets']:,} targets reached")
    for row in data["by_consultant"]:
        print(f"  {row['assigned_to'] or '(unassigned)'}: {row['reached']} of {row['targets']}")
    return 0


def _route(args: argparse.Namespace, store: Store) -> int:
    settings = load_settings(args.config)
    start = None
    if args.start:
        try:
            x_text, y_text = args.start.split(",")
            start = (float(x_text), float(y_text))
        except ValueError:
            raise UsageError(f"--start must be X,Y in EPSG:25832, got {args.start!r}") from None
    base_url = str(settings.get("routing.base_url") or "") or None
    day = camp.day_visits(
        store, args.name, args.consultant, count=args.count, start=start, base_url=base_url
    )
    if not day.visits:
        raise UsageError(f"{args.consultant} has no open, placed targets in {args.name!r}")
    if args.ical:
        write_ical(args.ical, args.name, day.visits, day=args.day or store.reference_date())
        progress(f"workbench campaign route: wrote {len(day.visits)} visits to {args.ical}")
    out = {
        "name": args.name,
        "consultant": args.consultant,
        "distance_source": day.route.source,
        "length": round(day.route.length, 1),
        "input_length": round(day.route.input_length, 1),
        "visits": [
            {k: v[k] for k in ("cvr", "pnr", "name", "address", "score", "x", "y")}
            for v in day.visits
        ],
    }
    if args.format == "json":
        print_json(out)
    else:
        for i, v in enumerate(day.visits, 1):
            print(f"{i:>2}. {v['name'] or v['cvr']}  {v['address'] or ''}")
    return 0


def _export(args: argparse.Namespace, store: Store) -> int:
    suffix = args.output.suffix.lower()
    if suffix == ".gpkg":
        n = write_geopackage(store, args.name, args.output, assigned_to=args.assigned_to)
    elif suffix in (".csv", ".xlsx"):
        n = write_call_list(store, args.name, args.output, assigned_to=args.assigned_to)
    else:
        raise UsageError(f"--output must end in .csv, .xlsx or .gpkg, got {args.output.name!r}")
    progress(f"workbench campaign export: wrote {n:,} targets to {args.output}")
    return 0


def _list(args: argparse.Namespace, store: Store) -> int:
    names = camp.list_campaigns(store)
    if args.format == "json":
        print_json({"campaigns": names})
    else:
        print("\n".join(names))
    return 0


run_create = _guarded(_create, write=True)
run_show = _guarded(_show, write=False)
run_set_status = _guarded(_set_status, write=True)
run_assign = _guarded(_assign, write=True)
run_progress = _guarded(_progress, write=False)
run_route = _guarded(_route, write=False)
run_export = _guarded(_export, write=False)
run_list = _guarded(_list, write=False)
